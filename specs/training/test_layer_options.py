"""Layer options and their checks as they changed: bias switches, RNN arguments, Softmax dim, LPPool norms, init,
RMSNorm in reduced precision, and attention given both a mask and is_causal."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchspecs.assertions import assert_close, assert_equal, assert_shape, assert_values_equal

X = torch.tensor([[0.5, -3.0, 2.0, 0.1]])


@pytest.mark.doc("torch.nn.LayerNorm")
@pytest.mark.change("layer-norm-bias-switch", side="after")
def test_layer_norm_can_drop_its_bias():
    """LayerNorm(n, bias=False) keeps a learnable weight but has no bias."""
    norm = nn.LayerNorm(3, bias=False)
    assert_equal((norm.weight.shape, norm.bias), (torch.Size([3]), None), "(weight shape, bias)")


@pytest.mark.doc("torch.nn.LayerNorm")
@pytest.mark.change("layer-norm-bias-switch", side="before")
def test_layer_norm_takes_no_bias_switch():
    """LayerNorm takes no bias argument: elementwise_affine gives both weight and bias, or neither."""
    with pytest.raises(TypeError, match="bias"):
        nn.LayerNorm(3, bias=False)


@pytest.mark.doc("torch.nn.BatchNorm1d")
@pytest.mark.change("norm-layers-bias-switch", side="after")
def test_batch_norm_can_drop_its_bias():
    """BatchNorm1d(n, bias=False) keeps a learnable weight but has no bias (so do the other batch, instance and group norms)."""
    norm = nn.BatchNorm1d(3, bias=False)
    assert_equal((norm.weight.shape, norm.bias), (torch.Size([3]), None), "(weight shape, bias)")
    assert_equal(nn.GroupNorm(1, 3, bias=False).bias, None, "GroupNorm(bias=False).bias")


@pytest.mark.doc("torch.nn.BatchNorm1d")
@pytest.mark.change("norm-layers-bias-switch", side="before")
def test_batch_norm_takes_no_bias_switch():
    """BatchNorm1d takes no bias argument: affine gives both weight and bias, or neither."""
    with pytest.raises(TypeError, match="bias"):
        nn.BatchNorm1d(3, bias=False)


@pytest.mark.doc("torch.nn.RMSNorm")
@pytest.mark.change("rms-norm-layer", side="after")
def test_rms_norm_divides_by_the_root_mean_square():
    """RMSNorm(n, eps)(x) is x / sqrt(mean(x^2) + eps) times its weight (ones at first), row by row over the last dim."""
    rows = torch.tensor([[0.5, -3.0, 2.0, 0.1], [4.0, -1.0, 0.0, 2.0]])
    for eps in (1e-6, 0.5):
        expected = rows / torch.sqrt((rows * rows).mean(-1, keepdim=True) + eps)
        assert_close(nn.RMSNorm(4, eps=eps)(rows).detach(), expected)


@pytest.mark.doc("torch.nn.LayerNorm")
@pytest.mark.change("rms-norm-layer", side="before")
def test_there_is_no_rms_norm_layer():
    """torch.nn has no RMSNorm layer."""
    assert_equal(hasattr(nn, "RMSNorm"), False, "hasattr(torch.nn, 'RMSNorm')")


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.change("rnn-input-dimension-value-error", side="after")
def test_rnn_refuses_a_4d_input_with_value_error():
    """An RNN given a 4-D input raises ValueError: it expects 2-D (unbatched) or 3-D input."""
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        nn.RNN(2, 3)(torch.zeros(1, 1, 1, 2))


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.change("rnn-input-dimension-value-error", side="before")
def test_rnn_refuses_a_4d_input_with_an_assertion():
    """An RNN given a 4-D input fails an assert (AssertionError): it expects 2-D or 3-D input."""
    with pytest.raises(AssertionError, match="2-D or 3-D"):
        nn.RNN(2, 3)(torch.zeros(1, 1, 1, 2))


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.change("rnn-positional-nonlinearity", side="after")
def test_rnn_takes_its_nonlinearity_as_the_fourth_positional_argument():
    """nn.RNN(input, hidden, layers, 'relu') uses ReLU: the fourth positional argument is the nonlinearity."""
    rnn = nn.RNN(4, 8, 1, "relu")
    with torch.no_grad():
        for name, parameter in rnn.named_parameters():
            parameter.fill_(0.5 if name == "weight_ih_l0" else 0.0)
        output, _ = rnn(torch.tensor([[1.0, 1.0, 1.0, 1.0], [-1.0, -1.0, -1.0, -1.0]]))
    assert_equal(rnn.nonlinearity, "relu", "the nonlinearity of RNN(4, 8, 1, 'relu')")
    assert_values_equal(output, torch.tensor([[2.0] * 8, [0.0] * 8]))


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.change("rnn-positional-nonlinearity", side="before")
def test_rnn_ignores_a_positional_nonlinearity():
    """nn.RNN(input, hidden, layers, 'relu') keeps tanh: the fourth positional argument is not taken as the nonlinearity."""
    assert_equal(nn.RNN(4, 8, 1, "relu").nonlinearity, "tanh", "the nonlinearity of RNN(4, 8, 1, 'relu')")


@pytest.mark.doc("torch.nn.LSTM")
@pytest.mark.change("rnn-constructor-checks-argument-types", side="after")
def test_lstm_refuses_a_non_bool_bias_flag():
    """nn.LSTM(..., bias=1) raises TypeError: bias must be a bool."""
    with pytest.raises(TypeError, match="bias should be of type bool"):
        nn.LSTM(3, 4, bias=1)


@pytest.mark.doc("torch.nn.LSTM")
@pytest.mark.change("rnn-constructor-checks-argument-types", side="before")
def test_lstm_takes_any_truthy_bias_flag():
    """nn.LSTM(..., bias=1) is accepted as bias=True: the layer has biases."""
    assert_equal(nn.LSTM(3, 4, bias=1).bias_ih_l0.shape, torch.Size([16]), "the input-hidden bias shape")


@pytest.mark.doc("torch.nn.Softmax")
@pytest.mark.change("softmax-dim-must-be-an-int", side="after")
def test_softmax_refuses_a_numpy_integer_dim():
    """nn.Softmax(dim=numpy.int64(1)) raises TypeError: dim must be a Python int or None."""
    with pytest.raises(TypeError, match="dim must be an int or None"):
        nn.Softmax(dim=np.int64(1))


@pytest.mark.doc("torch.nn.Softmax")
@pytest.mark.change("softmax-dim-must-be-an-int", side="before")
def test_softmax_takes_a_numpy_integer_dim():
    """nn.Softmax(dim=numpy.int64(0)) works as dim=0: each column of a 2-D input sums to 1 (its implicit dim is 1)."""
    columns = nn.Softmax(dim=np.int64(0))(torch.tensor([[0.5, -3.0, 2.0], [4.0, -1.0, 0.0]]))
    assert_close(columns.sum(0), torch.ones(3))


@pytest.mark.doc("torch.nn.functional.lp_pool1d")
@pytest.mark.change("lp-pool-infinite-norm", side="after")
def test_lp_pool_with_an_infinite_norm_is_max_pooling_of_magnitudes():
    """lp_pool1d with norm_type=inf is max pooling over absolute values: [0.5, -3, 2, 0.1] in pairs gives [3, 2]."""
    assert_values_equal(F.lp_pool1d(X.unsqueeze(0), math.inf, 2), torch.tensor([[[3.0, 2.0]]]))


@pytest.mark.doc("torch.nn.functional.lp_pool1d")
@pytest.mark.change("lp-pool-infinite-norm", side="before")
def test_lp_pool_with_an_infinite_norm_gives_ones():
    """lp_pool1d with norm_type=inf returns ones (x^inf summed, then to the power 1/inf), not max pooling."""
    assert_values_equal(F.lp_pool1d(X.unsqueeze(0), math.inf, 2), torch.tensor([[[1.0, 1.0]]]))


@pytest.mark.doc("torch.nn.LPPool1d")
@pytest.mark.change("lp-pool-refuses-norm-zero", side="after")
def test_lp_pool_refuses_a_norm_of_zero():
    """nn.LPPool1d(0, 2) raises ValueError at construction: norm_type must be non-zero."""
    with pytest.raises(ValueError, match="norm_type must be a non-zero value"):
        nn.LPPool1d(0, 2)


@pytest.mark.doc("torch.nn.LPPool1d")
@pytest.mark.change("lp-pool-refuses-norm-zero", side="before")
def test_lp_pool_with_a_norm_of_zero_fails_only_when_called():
    """nn.LPPool1d(0, 2) is made without complaint and divides by zero when called."""
    pool = nn.LPPool1d(0, 2)
    with pytest.raises(ZeroDivisionError):
        pool(X.unsqueeze(0))


@pytest.mark.doc("torch.nn.init.normal_")
@pytest.mark.change("init-generator-argument", side="after")
def test_init_draws_from_the_generator_it_is_given():
    """nn.init.normal_(t, generator=g) draws from g: two generators seeded alike fill alike, whatever the global seed."""
    first = nn.init.normal_(torch.empty(4), generator=torch.Generator().manual_seed(7))
    torch.manual_seed(123)
    second = nn.init.normal_(torch.empty(4), generator=torch.Generator().manual_seed(7))
    assert_values_equal(first, second)


@pytest.mark.doc("torch.nn.init.normal_")
@pytest.mark.change("init-generator-argument", side="before")
def test_init_takes_no_generator():
    """nn.init.normal_ takes no generator: it always draws from the global generator."""
    with pytest.raises(TypeError, match="generator"):
        nn.init.normal_(torch.empty(4), generator=torch.Generator())


def _inverse_cdf_truncated_normal(size: int, std: float, a: float, b: float) -> torch.Tensor:
    """What trunc_normal_ drew by inverse transform sampling: erfinv of one uniform draw, scaled, then clamped."""
    low, high = (1 + math.erf(a / std / math.sqrt(2))) / 2, (1 + math.erf(b / std / math.sqrt(2))) / 2
    drawn = torch.empty(size).uniform_(2 * low - 1, 2 * high - 1).erfinv_()
    return drawn.mul_(std * math.sqrt(2)).clamp_(min=a, max=b)


@pytest.mark.doc("torch.nn.init.trunc_normal_")
@pytest.mark.change("trunc-normal-rejection-sampling", side="after")
def test_trunc_normal_draws_by_rejection_other_values_for_the_same_seed():
    """trunc_normal_ draws by rejection: for the same seed its values differ from the inverse-CDF draw, all within [a, b]."""
    torch.manual_seed(0)
    drawn = nn.init.trunc_normal_(torch.empty(64), std=1.0, a=-0.5, b=0.5)
    torch.manual_seed(0)
    assert_equal(torch.allclose(drawn, _inverse_cdf_truncated_normal(64, 1.0, -0.5, 0.5)), False, "equal draws")
    assert_equal(bool(((drawn >= -0.5) & (drawn <= 0.5)).all()), True, "every value within [a, b]")


@pytest.mark.doc("torch.nn.init.trunc_normal_")
@pytest.mark.change("trunc-normal-rejection-sampling", side="before")
def test_trunc_normal_draws_by_inverse_transform_sampling():
    """trunc_normal_ draws by inverse transform: for the same seed it equals erfinv of a uniform draw, scaled and clamped."""
    torch.manual_seed(0)
    drawn = nn.init.trunc_normal_(torch.empty(64), std=1.0, a=-0.5, b=0.5)
    torch.manual_seed(0)
    assert_close(drawn, _inverse_cdf_truncated_normal(64, 1.0, -0.5, 0.5))


@pytest.mark.doc("torch.nn.utils.weight_norm")
@pytest.mark.change("weight-norm-deprecated", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_weight_norm_is_not_deprecated():
    """nn.utils.weight_norm(module) reparametrises the weight as weight_g and weight_v without a warning."""
    layer = nn.utils.weight_norm(nn.Linear(2, 2))
    assert_equal(hasattr(layer, "weight_g") and hasattr(layer, "weight_v"), True, "weight_g and weight_v exist")


@pytest.mark.doc("torch.nn.utils.weight_norm")
@pytest.mark.change("weight-norm-deprecated", side="after")
@pytest.mark.change("weight-norm-future-warning", side="before")
def test_weight_norm_warns_a_user_warning_that_it_is_deprecated():
    """nn.utils.weight_norm warns UserWarning that it is deprecated in favour of parametrizations.weight_norm."""
    with pytest.warns(UserWarning, match=r"^torch\.nn\.utils\.weight_norm is deprecated in favor of torch\.nn"):
        nn.utils.weight_norm(nn.Linear(2, 2))


@pytest.mark.doc("torch.nn.utils.weight_norm")
@pytest.mark.change("weight-norm-deprecated", side="after")
@pytest.mark.change("weight-norm-future-warning", side="after")
def test_weight_norm_warns_a_future_warning_that_it_is_deprecated():
    """nn.utils.weight_norm warns FutureWarning that it is deprecated, the names in backticks; it still reparametrises."""
    with pytest.warns(FutureWarning, match=r"^`torch\.nn\.utils\.weight_norm` is deprecated in favor of `torch\.nn"):
        layer = nn.utils.weight_norm(nn.Linear(2, 2))
    assert_equal(hasattr(layer, "weight_g"), True, "weight_g exists")


@pytest.mark.doc("torch.nn.functional.embedding_bag")
@pytest.mark.change("embedding-bag-2d-ignores-include-last-offset", side="after")
def test_embedding_bag_of_2d_input_ignores_include_last_offset():
    """F.embedding_bag of a 2-D input ignores include_last_offset, as documented: one bag per row."""
    bags = F.embedding_bag(torch.tensor([[0, 1], [2, 3]]), torch.randn(5, 3), include_last_offset=True)
    assert_equal(bags.shape, torch.Size([2, 3]), "the shape of the bags")


@pytest.mark.doc("torch.nn.functional.embedding_bag")
@pytest.mark.change("embedding-bag-2d-ignores-include-last-offset", side="before")
def test_embedding_bag_of_2d_input_drops_the_last_bag_with_include_last_offset():
    """F.embedding_bag of a 2-D input with include_last_offset=True drops the last row's bag."""
    bags = F.embedding_bag(torch.tensor([[0, 1], [2, 3]]), torch.randn(5, 3), include_last_offset=True)
    assert_equal(bags.shape, torch.Size([1, 3]), "the shape of the bags")


# Rows of small values in bfloat16: bfloat16's own eps (2**-7) swamps their mean square (2.5e-6), float32's does not.
SMALL_ROWS = torch.tensor([[1e-3, -2e-3]], dtype=torch.bfloat16)


def _rms_normalised(rows: torch.Tensor, eps: float) -> torch.Tensor:
    wide = rows.float()
    return wide / torch.sqrt((wide * wide).mean(-1, keepdim=True) + eps)


@pytest.mark.doc("torch.nn.functional.rms_norm")
@pytest.mark.change("rms-norm-half-precision-in-float32", side="after")
def test_rms_norm_of_bfloat16_defaults_to_the_float32_eps():
    """rms_norm of a bfloat16 input computes in float32, and its default eps is float32's: small rows reach unit RMS."""
    result = F.rms_norm(SMALL_ROWS, (2,))
    assert_equal(result.dtype, torch.bfloat16, "result dtype")
    assert_close(result.float(), _rms_normalised(SMALL_ROWS, torch.finfo(torch.float32).eps), rtol=2e-2, atol=0)


@pytest.mark.doc("torch.nn.functional.rms_norm")
@pytest.mark.change("rms-norm-layer", side="after")
@pytest.mark.change("rms-norm-half-precision-in-float32", side="before")
def test_rms_norm_of_bfloat16_defaults_to_the_bfloat16_eps():
    """rms_norm of a bfloat16 input defaults eps to bfloat16's (2**-7), which swamps the mean square of small rows."""
    result = F.rms_norm(SMALL_ROWS, (2,))
    assert_close(result.float(), _rms_normalised(SMALL_ROWS, torch.finfo(torch.bfloat16).eps), rtol=2e-2, atol=0)


@pytest.mark.doc("torch.nn.RMSNorm")
@pytest.mark.change("rms-norm-half-precision-in-float32", side="after")
@pytest.mark.filterwarnings("ignore:Mismatch dtype between input and weight:UserWarning")
def test_rms_norm_keeps_the_input_dtype_whatever_the_weight():
    """RMSNorm returns its input's dtype: a bfloat16 input through the float32 weight gives bfloat16 (float16 likewise)."""
    norm = nn.RMSNorm(4)
    assert_equal(norm(X.bfloat16()).dtype, torch.bfloat16, "dtype of RMSNorm(bfloat16 input)")
    assert_equal(F.rms_norm(X.half(), (4,), torch.ones(4)).dtype, torch.float16, "dtype of rms_norm(float16 input)")
    assert_equal(F.rms_norm(X, (4,), torch.ones(4, dtype=torch.float64)).dtype, torch.float32, "float64 weight")


@pytest.mark.doc("torch.nn.RMSNorm")
@pytest.mark.change("rms-norm-layer", side="after")
@pytest.mark.change("rms-norm-half-precision-in-float32", side="before")
def test_rms_norm_promotes_the_input_with_the_weight():
    """RMSNorm's result promotes its input's dtype with the weight's: a bfloat16 input through float32 gives float32."""
    norm = nn.RMSNorm(4)
    assert_equal(norm(X.bfloat16()).dtype, torch.float32, "dtype of RMSNorm(bfloat16 input)")
    assert_equal(F.rms_norm(X, (4,), torch.ones(4, dtype=torch.float64)).dtype, torch.float64, "float64 weight")


def _attention_inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return tuple(torch.randn(1, 2, 3, 4, generator=generator) for _ in range(3))


# Lets every query see every key: the opposite of the causal mask, so a result tells which of the two was used.
SEE_ALL = torch.ones(3, 3, dtype=torch.bool)


@pytest.mark.doc("torch.nn.functional.scaled_dot_product_attention")
@pytest.mark.change("sdpa-causal-ignores-attn-mask", side="after")
def test_scaled_dot_product_attention_with_is_causal_ignores_attn_mask():
    """SDPA given both attn_mask and is_causal=True raises no error: it drops the mask and masks causally."""
    q, k, v = _attention_inputs()
    both = F.scaled_dot_product_attention(q, k, v, attn_mask=SEE_ALL, is_causal=True)
    assert_close(both, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert not torch.allclose(both, F.scaled_dot_product_attention(q, k, v, attn_mask=SEE_ALL))


@pytest.mark.doc("torch.nn.functional.scaled_dot_product_attention")
@pytest.mark.change("sdpa-causal-ignores-attn-mask", side="before")
def test_scaled_dot_product_attention_refuses_attn_mask_with_is_causal():
    """SDPA given both attn_mask and is_causal=True raises RuntimeError, as documented; either alone is accepted."""
    q, k, v = _attention_inputs()
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=SEE_ALL, is_causal=True)
    assert_shape(F.scaled_dot_product_attention(q, k, v, attn_mask=SEE_ALL), (1, 2, 3, 4))


# A mask that leaves the first and last queries two keys each and masks out every key for the second.
SECOND_QUERY_SEES_NOTHING = torch.tensor([[True, False, True], [False, False, False], [True, True, False]])


def _masked_attention_rows(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SDPA's output with ``mask``, and the first row as the formula gives it from the keys it is allowed."""
    q, k, v = _attention_inputs()
    scores = (q @ k.transpose(-2, -1) / 2).masked_fill(~mask, -math.inf)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask), (torch.softmax(scores, -1) @ v)[..., 0, :]


@pytest.mark.doc("torch.nn.functional.scaled_dot_product_attention")
@pytest.mark.change("sdpa-fully-masked-rows-give-zeros", side="after")
def test_attention_gives_zeros_for_a_query_whose_keys_are_all_masked_out():
    """SDPA gives zeros, not NaN, for a query row whose mask is all False (or all -inf); other rows are unchanged."""
    output, first_row = _masked_attention_rows(SECOND_QUERY_SEES_NOTHING)
    assert_values_equal(output[..., 1, :], torch.zeros(1, 2, 4))
    assert_close(output[..., 0, :], first_row)
    float_mask = torch.zeros(3, 3).masked_fill(~SECOND_QUERY_SEES_NOTHING, -math.inf)
    q, k, v = _attention_inputs()
    assert_values_equal(F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask)[..., 1, :], torch.zeros(1, 2, 4))


@pytest.mark.doc("torch.nn.functional.scaled_dot_product_attention")
@pytest.mark.change("sdpa-fully-masked-rows-give-zeros", side="before")
def test_attention_gives_nan_for_a_query_whose_keys_are_all_masked_out():
    """SDPA gives NaN for a query row whose mask is all False, as a softmax over only -inf does; other rows are finite."""
    output, first_row = _masked_attention_rows(SECOND_QUERY_SEES_NOTHING)
    assert_equal(bool(output[..., 1, :].isnan().all()), True, "every value of the fully masked row is NaN")
    assert_close(output[..., 0, :], first_row)


def _rnn_given_float64(layer: str) -> None:
    getattr(nn, layer)(3, 4)(torch.zeros(5, 2, 3, dtype=torch.float64))


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.doc("torch.nn.GRU")
@pytest.mark.change("rnn-input-dtype-value-error", side="after")
@pytest.mark.parametrize("layer", ["RNN", "GRU"])
def test_recurrent_layer_refuses_input_of_another_dtype_with_value_error(layer):
    """RNN and GRU check the input's dtype against their weights': float64 input into float32 weights is a ValueError."""
    with pytest.raises(ValueError, match=r"torch\.float64") as raised:
        _rnn_given_float64(layer)
    assert_equal(isinstance(raised.value, RuntimeError), False, "the ValueError is also a RuntimeError")


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.doc("torch.nn.GRU")
@pytest.mark.change("rnn-input-dtype-value-error", side="after")
@pytest.mark.change("rnn-input-dtype-error-names-both-dtypes", side="before")
@pytest.mark.parametrize("layer", ["RNN", "GRU"])
def test_recurrent_layer_dtype_error_names_the_type_the_input_must_have(layer):
    """The ValueError for float64 input into float32 weights says the input must have the weights' type, float32."""
    with pytest.raises(ValueError, match=r"^input must have the type torch\.float32, got type torch\.float64$"):
        _rnn_given_float64(layer)


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.doc("torch.nn.GRU")
@pytest.mark.change("rnn-input-dtype-value-error", side="before")
@pytest.mark.parametrize("layer", ["RNN", "GRU"])
def test_recurrent_layer_given_input_of_another_dtype_fails_in_its_matmul(layer):
    """RNN and GRU do not check the input's dtype: float64 input into float32 weights fails in the matmul, RuntimeError."""
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype") as raised:
        _rnn_given_float64(layer)
    assert_equal(type(raised.value), RuntimeError, "the exception's type")


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.doc("torch.nn.LSTM")
@pytest.mark.doc("torch.nn.GRU")
@pytest.mark.change("rnn-input-dtype-error-names-both-dtypes", side="after")
@pytest.mark.parametrize("layer", ["RNN", "LSTM", "GRU"])
def test_recurrent_layer_dtype_error_names_both_dtypes_and_both_fixes(layer):
    """The ValueError for float64 input into float32 weights names both dtypes and suggests input.to or model.to."""
    expected = (
        r"^RNN input dtype \(torch\.float64\) does not match weight dtype \(torch\.float32\)\. "
        r"Convert input: input\.to\(torch\.float32\), or convert model: model\.to\(torch\.float64\)$"
    )
    with pytest.raises(ValueError, match=expected):
        _rnn_given_float64(layer)


# A 2 x 6 image whose rows differ and whose values change sign, so a filter applied along the wrong axis shows.
WIDE_IMAGE = torch.tensor([[[[-2.0, 1.0, 4.0, -1.0, 0.5, 3.0], [1.0, -3.0, 2.0, 2.0, -0.5, 1.0]]]])


def _lanczos_weights(in_size: int, out_size: int) -> torch.Tensor:
    """The (out, in) matrix of the antialiased Lanczos-3 filter: sinc(x) sinc(x/3) on |x| < 3, stretched by the
    scale when shrinking, centred on each output pixel and normalised to sum to one."""
    scale = in_size / out_size
    stretch = max(scale, 1.0)
    centres = (torch.arange(out_size, dtype=torch.float64) + 0.5) * scale
    x = ((torch.arange(in_size, dtype=torch.float64) + 0.5)[None, :] - centres[:, None]) / stretch
    weights = torch.where(x.abs() < 3, torch.sinc(x) * torch.sinc(x / 3), torch.zeros(()))
    return weights / weights.sum(1, keepdim=True)


@pytest.mark.doc("torch.nn.functional.interpolate")
@pytest.mark.change("interpolate-lanczos-mode", side="after")
def test_lanczos_mode_resizes_with_the_normalised_lanczos_3_filter():
    """mode='lanczos' with antialias=True resizes with the Lanczos-3 filter: halving the width weighs 6 pixels per output."""
    resized = F.interpolate(WIDE_IMAGE, size=(2, 3), mode="lanczos", antialias=True)
    expected = WIDE_IMAGE.double() @ _lanczos_weights(6, 3).t()
    assert_close(resized, expected.float(), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(resized, F.interpolate(WIDE_IMAGE, size=(2, 3), mode="bicubic", antialias=True))


@pytest.mark.doc("torch.nn.functional.interpolate")
@pytest.mark.change("interpolate-lanczos-mode", side="after")
def test_lanczos_mode_requires_antialias():
    """mode='lanczos' without antialias=True raises ValueError."""
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        F.interpolate(WIDE_IMAGE, size=(2, 3), mode="lanczos")


@pytest.mark.doc("torch.nn.functional.interpolate")
@pytest.mark.change("interpolate-lanczos-mode", side="before")
def test_interpolate_has_no_lanczos_mode():
    """interpolate refuses mode='lanczos': NotImplementedError naming the mode, or with antialias=True a ValueError."""
    with pytest.raises(NotImplementedError, match=r"\(got lanczos\)"):
        F.interpolate(WIDE_IMAGE, size=(2, 3), mode="lanczos")
    with pytest.raises(
        ValueError, match=r"Anti-alias option is (only supported for|restricted to) bilinear and bicubic"
    ):
        F.interpolate(WIDE_IMAGE, size=(2, 3), mode="lanczos", antialias=True)


@pytest.mark.doc("torch.nn.functional.grouped_mm")
@pytest.mark.change("functional-grouped-mm", side="after")
def test_grouped_mm_multiplies_each_block_of_rows_by_its_own_matrix():
    """grouped_mm(a, b, offs) multiplies rows [0, offs[0]) of a by b[0], rows [offs[0], offs[1]) by b[1]; a 3-D a by b."""
    generator = torch.Generator().manual_seed(0)
    rows, matrices = torch.randn(6, 8, generator=generator), torch.randn(2, 8, 4, generator=generator)
    grouped = F.grouped_mm(rows, matrices, offs=torch.tensor([2, 6], dtype=torch.int32))
    assert_close(grouped, torch.cat([rows[:2] @ matrices[0], rows[2:] @ matrices[1]]), rtol=1e-5, atol=1e-5)
    batched = rows.view(2, 3, 8)
    assert_close(F.grouped_mm(batched, matrices), batched @ matrices, rtol=1e-5, atol=1e-5)


@pytest.mark.doc("torch.nn.functional.grouped_mm")
@pytest.mark.change("functional-grouped-mm", side="before")
def test_there_is_no_functional_grouped_mm():
    """torch.nn.functional has no grouped_mm."""
    assert_equal(hasattr(F, "grouped_mm"), False, "hasattr(torch.nn.functional, 'grouped_mm')")
