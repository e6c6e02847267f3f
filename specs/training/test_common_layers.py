"""The layers and functions model code calls most: activations, flattening, dropout, normalisation, pooling, padding,
resizing, attention, and the init functions; each against its documented formula, on inputs where the near-misses
differ (negative and positive values, non-square shapes, non-default arguments)."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchspecs.assertions import assert_close, assert_equal, assert_shape, assert_values_equal

# Negative, zero and positive: every activation below tells them apart.
SIGNED = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])


@pytest.mark.doc("torch.nn.ReLU")
@pytest.mark.claim("003.functional-relu", verdict="holds")
@pytest.mark.claim("003.relu-layer", verdict="holds")
@pytest.mark.doc("torch.nn.functional.relu")
def test_relu_zeroes_the_negatives_and_keeps_the_rest():
    """ReLU is max(x, 0): negatives become 0, zero and positives stay; nn.ReLU and F.relu agree."""
    expected = torch.tensor([0.0, 0.0, 0.0, 0.5, 3.0])
    assert_values_equal(F.relu(SIGNED), expected)
    assert_values_equal(nn.ReLU()(SIGNED), expected)


@pytest.mark.doc("torch.nn.LeakyReLU")
def test_leaky_relu_scales_the_negatives_by_its_slope():
    """LeakyReLU(negative_slope) multiplies negatives by the slope (0.01 unless given) and keeps the rest."""
    assert_close(nn.LeakyReLU(0.2)(SIGNED), torch.tensor([-0.4, -0.1, 0.0, 0.5, 3.0]))
    assert_close(nn.LeakyReLU()(SIGNED), torch.tensor([-0.02, -0.005, 0.0, 0.5, 3.0]))


@pytest.mark.doc("torch.nn.GELU")
def test_gelu_is_x_times_the_normal_cdf_or_its_tanh_approximation():
    """GELU(x) = x * Phi(x) with the exact normal CDF; approximate='tanh' uses the tanh formula instead."""
    exact = SIGNED * 0.5 * (1 + torch.erf(SIGNED / math.sqrt(2)))
    tanh = 0.5 * SIGNED * (1 + torch.tanh(math.sqrt(2 / math.pi) * (SIGNED + 0.044715 * SIGNED**3)))
    assert_close(nn.GELU()(SIGNED), exact)
    assert_close(nn.GELU(approximate="tanh")(SIGNED), tanh)
    assert_equal(bool(torch.equal(nn.GELU()(SIGNED), nn.GELU(approximate="tanh")(SIGNED))), False, "exact == tanh")


@pytest.mark.doc("torch.nn.Sigmoid")
@pytest.mark.doc("torch.nn.Tanh")
@pytest.mark.doc("torch.sigmoid")
def test_sigmoid_and_tanh_follow_their_formulas():
    """Sigmoid is 1 / (1 + exp(-x)) and Tanh is (e^x - e^-x) / (e^x + e^-x); both as layers and as torch functions."""
    assert_close(nn.Sigmoid()(SIGNED), 1 / (1 + torch.exp(-SIGNED)))
    assert_close(torch.sigmoid(SIGNED), 1 / (1 + torch.exp(-SIGNED)))
    assert_close(nn.Tanh()(SIGNED), (torch.exp(SIGNED) - torch.exp(-SIGNED)) / (torch.exp(SIGNED) + torch.exp(-SIGNED)))


@pytest.mark.doc("torch.nn.Flatten")
def test_flatten_layer_keeps_the_batch_dim_where_torch_flatten_does_not():
    """nn.Flatten() flattens from dim 1 (a batch stays a batch); torch.flatten flattens from dim 0 unless told."""
    batch = torch.arange(24).view(2, 3, 4)
    assert_shape(nn.Flatten()(batch), (2, 12))
    assert_shape(torch.flatten(batch), (24,))
    assert_shape(nn.Flatten(0, 1)(batch), (6, 4))


@pytest.mark.doc("torch.nn.Identity")
def test_identity_returns_its_input_itself():
    """nn.Identity returns the very tensor it is given, and ignores any constructor arguments."""
    tensor = torch.arange(3)
    assert nn.Identity(54, unused="argument")(tensor) is tensor


@pytest.mark.doc("torch.nn.functional.dropout")
def test_functional_dropout_drops_unless_told_training_is_false():
    """F.dropout drops by default (training=True), whatever mode a module is in; training=False returns the input."""
    ones = torch.ones(1000)
    dropped = F.dropout(ones, p=0.25)
    kept = dropped[dropped != 0]
    assert_equal(bool(0.15 < 1 - kept.numel() / 1000 < 0.35), True, "share dropped near 0.25")
    assert_close(kept, torch.full_like(kept, 1 / 0.75))
    assert_values_equal(F.dropout(ones, p=0.25, training=False), ones)


@pytest.mark.doc("torch.nn.BatchNorm2d")
def test_batch_norm_normalises_each_channel_with_batch_statistics_and_tracks_running_ones():
    """In training, BatchNorm2d normalises each channel by its batch mean and biased variance, and moves its running
    mean and (unbiased) variance a momentum of 0.1 towards them; in eval it uses the running ones."""
    torch.manual_seed(0)
    batch = torch.randn(4, 2, 3, 5) * torch.tensor([1.0, 3.0]).view(1, 2, 1, 1) + torch.tensor([2.0, -1.0]).view(
        1, 2, 1, 1
    )
    layer = nn.BatchNorm2d(2)
    out = layer(batch)
    mean = batch.mean(dim=(0, 2, 3))
    biased = batch.var(dim=(0, 2, 3), unbiased=False)
    assert_close(
        out, (batch - mean.view(1, 2, 1, 1)) / torch.sqrt(biased.view(1, 2, 1, 1) + 1e-5), rtol=1e-5, atol=1e-5
    )
    assert_close(layer.running_mean, 0.1 * mean)
    assert_close(layer.running_var, 0.9 + 0.1 * batch.var(dim=(0, 2, 3), unbiased=True))
    layer.eval()
    expected = (batch - layer.running_mean.view(1, 2, 1, 1)) / torch.sqrt(layer.running_var.view(1, 2, 1, 1) + 1e-5)
    assert_close(layer(batch), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.doc("torch.nn.LayerNorm")
@pytest.mark.doc("torch.nn.functional.layer_norm")
def test_layer_norm_normalises_each_sample_over_its_last_dims():
    """LayerNorm(d) normalises over the last d-sized dim: each row gets mean 0 and (biased) variance 1."""
    rows = torch.tensor([[1.0, 2.0, 6.0], [-4.0, 0.0, 10.0]])
    expected = (rows - rows.mean(-1, keepdim=True)) / torch.sqrt(rows.var(-1, unbiased=False, keepdim=True) + 1e-5)
    assert_close(nn.LayerNorm(3)(rows), expected, rtol=1e-5, atol=1e-5)
    assert_close(F.layer_norm(rows, (3,)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.doc("torch.nn.functional.max_pool2d")
@pytest.mark.doc("torch.nn.AvgPool2d")
@pytest.mark.doc("torch.nn.AdaptiveAvgPool2d")
def test_pooling_takes_the_max_or_mean_of_each_window():
    """max_pool2d(2) takes each 2x2 window's max, AvgPool2d(2) its mean; AdaptiveAvgPool2d(1) averages the whole map."""
    image = torch.arange(24.0).view(1, 1, 4, 6)
    assert_equal(F.max_pool2d(image, 2)[0, 0].tolist(), [[7.0, 9.0, 11.0], [19.0, 21.0, 23.0]], "max_pool2d(2)")
    assert_equal(nn.AvgPool2d(2)(image)[0, 0].tolist(), [[3.5, 5.5, 7.5], [15.5, 17.5, 19.5]], "AvgPool2d(2)")
    assert_equal(nn.AdaptiveAvgPool2d((1, 1))(image).flatten().tolist(), [11.5], "AdaptiveAvgPool2d((1, 1))")
    assert_shape(nn.AdaptiveAvgPool2d((2, 3))(image), (1, 1, 2, 3))


@pytest.mark.doc("torch.nn.functional.pad")
def test_pad_pads_the_last_dim_first_with_a_value_on_each_side():
    """F.pad(x, (left, right, top, bottom)) pads the last dim by (left, right), then the one before; value fills."""
    grid = torch.ones(2, 3)
    padded = F.pad(grid, (1, 2, 0, 1), value=5.0)
    assert_shape(padded, (3, 6))
    assert_equal(padded[0].tolist(), [5.0, 1.0, 1.0, 1.0, 5.0, 5.0], "the first row")
    assert_equal(padded[2].tolist(), [5.0] * 6, "the added bottom row")
    assert_equal(F.pad(grid, (1, 1)).sum().item(), 6.0, "zero padding adds nothing")


@pytest.mark.doc("torch.nn.functional.interpolate")
def test_nearest_interpolation_repeats_each_pixel():
    """interpolate(scale_factor=2, mode='nearest') repeats each pixel in a 2x2 block; size= sets the output size."""
    image = torch.tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]])
    doubled = F.interpolate(image, scale_factor=2, mode="nearest")
    assert_equal(doubled[0, 0, :2].tolist(), [[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]] * 2, "the first two rows")
    assert_shape(F.interpolate(image, size=(3, 5), mode="nearest"), (1, 1, 3, 5))


@pytest.mark.doc("torch.Tensor.softmax")
def test_softmax_sums_to_one_along_the_dim_it_is_given():
    """x.softmax(dim) is exp(x) / exp(x).sum(dim): each slice along dim sums to 1, and only along that dim."""
    logits = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, -1.0]])
    over_rows = logits.softmax(dim=1)
    assert_close(over_rows, logits.exp() / logits.exp().sum(dim=1, keepdim=True))
    assert_close(over_rows.sum(dim=1), torch.ones(2))
    assert_close(logits.softmax(dim=0).sum(dim=0), torch.ones(3))


@pytest.mark.doc("torch.nn.functional.normalize")
def test_normalize_divides_by_the_p_norm_along_dim():
    """F.normalize(x, p, dim) divides by the p-norm along dim: p=2 (default) gives unit length, p=1 unit absolute sum."""
    rows = torch.tensor([[3.0, -4.0], [1.0, 1.0]])
    assert_close(F.normalize(rows, dim=1), torch.tensor([[0.6, -0.8], [1 / math.sqrt(2), 1 / math.sqrt(2)]]))
    assert_close(F.normalize(rows, p=1.0, dim=1), torch.tensor([[3 / 7, -4 / 7], [0.5, 0.5]]))


@pytest.mark.doc("torch.nn.functional.linear")
def test_functional_linear_is_x_times_the_transposed_weight_plus_bias():
    """F.linear(x, W, b) = x @ W.T + b, with W shaped (out_features, in_features)."""
    x = torch.tensor([[1.0, 2.0, 3.0]])
    weight = torch.tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    assert_equal(F.linear(x, weight, torch.tensor([0.5, -1.0])).tolist(), [[-1.5, 3.0]], "F.linear(x, W, b)")


@pytest.mark.doc("torch.nn.functional.nll_loss")
def test_nll_loss_averages_the_negated_log_probability_of_each_target():
    """F.nll_loss(log_probs, target) is the mean over samples of -log_probs[i, target[i]]; reduction='sum' adds."""
    log_probs = torch.tensor([[-0.1, -2.0, -3.0], [-1.5, -0.5, -4.0]])
    target = torch.tensor([2, 1])
    assert_close(F.nll_loss(log_probs, target), torch.tensor(1.75))
    assert_close(F.nll_loss(log_probs, target, reduction="sum"), torch.tensor(3.5))


@pytest.mark.doc("torch.nn.functional.scaled_dot_product_attention")
def test_scaled_dot_product_attention_is_softmax_of_scaled_scores_times_values():
    """SDPA(q, k, v) = softmax(q k^T / sqrt(d)) v; is_causal=True lets each query see only itself and earlier keys."""
    generator = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 3, 4, generator=generator) for _ in range(3))
    weights = (q @ k.transpose(-2, -1) / math.sqrt(4)).softmax(dim=-1)
    assert_close(F.scaled_dot_product_attention(q, k, v), weights @ v, rtol=1e-5, atol=1e-5)
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert_close(causal[0, 0], v[0, 0], rtol=1e-5, atol=1e-5)


@pytest.mark.doc("torch.nn.init.zeros_")
@pytest.mark.doc("torch.nn.init.ones_")
@pytest.mark.doc("torch.nn.init.constant_")
@pytest.mark.parametrize(
    ("name", "arguments", "value"), [("zeros_", (), 0.0), ("ones_", (), 1.0), ("constant_", (0.3,), 0.3)]
)
def test_init_fills_a_parameter_in_place_and_returns_it(name, arguments, value):
    """nn.init.zeros_, ones_ and constant_(w, val) fill the tensor in place, return it, and record no gradient."""
    layer = nn.Linear(3, 2)
    returned = getattr(nn.init, name)(layer.weight, *arguments)
    assert returned is layer.weight
    assert_values_equal(layer.weight.detach(), torch.full((2, 3), value))
    assert_equal(layer.weight.grad_fn, None, "the weight's grad_fn after init")


@pytest.mark.doc("torch.nn.init.kaiming_normal_")
@pytest.mark.doc("torch.nn.init.xavier_uniform_")
def test_kaiming_and_xavier_draw_with_the_documented_spread():
    """kaiming_normal_ draws N(0, 2 / fan_in) (ReLU gain, fan_in mode); xavier_uniform_ draws within sqrt(6 / (fan_in + fan_out))."""
    torch.manual_seed(0)
    weight = torch.empty(400, 100)
    nn.init.kaiming_normal_(weight)
    assert_close(weight.std(), torch.tensor(math.sqrt(2 / 100)), rtol=0.03, atol=0.0)
    bound = math.sqrt(6 / (100 + 400))
    nn.init.xavier_uniform_(weight)
    assert_equal(bool(weight.abs().max() <= bound), True, "every draw within the bound")
    assert_equal(bool(weight.abs().max() > 0.99 * bound), True, "draws reach the bound")


@pytest.mark.doc("torch.nn.ConvTranspose2d")
@pytest.mark.doc("torch.nn.Conv1d")
@pytest.mark.doc("torch.nn.Conv3d")
def test_transposed_and_other_convolutions_have_the_documented_output_sizes():
    """ConvTranspose2d gives (H - 1) * stride - 2 * padding + kernel + output_padding; Conv1d and Conv3d use the
    convolution formula floor((L + 2 * padding - kernel) / stride) + 1 on each spatial dim."""
    up = nn.ConvTranspose2d(1, 4, kernel_size=3, stride=2, padding=1, output_padding=1)
    assert_shape(up(torch.zeros(2, 1, 5, 7)), (2, 4, 10, 14))
    assert_shape(nn.Conv1d(3, 5, kernel_size=3, stride=2, padding=1)(torch.zeros(2, 3, 9)), (2, 5, 5))
    assert_shape(nn.Conv3d(1, 2, kernel_size=(1, 3, 3), padding=(0, 1, 0))(torch.zeros(1, 1, 4, 6, 8)), (1, 2, 4, 6, 6))


@pytest.mark.doc("torch.nn.Sigmoid")
@pytest.mark.claim("003.sigmoid-layer-logistic-regression", verdict="holds")
def test_linear_then_sigmoid_is_logistic_regression():
    """Sequential(Linear, Sigmoid) gives 1 / (1 + exp(-(x W^T + b))): a probability in (0, 1) for each sample."""
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[2.0, -1.0]]))
        model[0].bias.fill_(0.5)
    x = torch.tensor([[1.0, 1.0], [0.0, 0.5], [-3.0, 2.0]])
    probabilities = model(x).detach()
    assert_close(probabilities, 1 / (1 + torch.exp(-torch.tensor([[1.5], [0.0], [-7.5]]))))
    assert_equal(probabilities[1].item(), 0.5, "the probability at a logit of 0")


@pytest.mark.doc("torch.nn.functional.conv2d")
def test_functional_conv2d_is_cross_correlation_with_stride_padding_and_bias():
    """F.conv2d slides the kernel as it is (cross-correlation, not flipped), over the zero-padded input, every stride
    positions, and adds the bias to each output."""
    image = torch.arange(12.0).view(1, 1, 3, 4) - 5
    kernel = torch.tensor([[[[1.0, 2.0], [-1.0, 0.5]]]])
    padded = F.pad(image, (1, 1, 1, 1))[0, 0]
    expected = torch.tensor(
        [[float((padded[r : r + 2, c : c + 2] * kernel[0, 0]).sum()) + 0.25 for c in range(0, 5, 2)] for r in (0, 2)]
    )
    result = F.conv2d(image, kernel, bias=torch.tensor([0.25]), stride=2, padding=1)
    assert_close(result[0, 0], expected)


@pytest.mark.doc("torch.nn.functional.avg_pool2d")
def test_functional_avg_pool2d_counts_padding_unless_told_not_to():
    """F.avg_pool2d(kernel, stride, padding) averages each window of the zero-padded input, the padding zeros
    included in the count; count_include_pad=False divides by the real elements only."""
    image = torch.tensor([[[[4.0, -2.0, 6.0], [8.0, 0.0, -4.0]]]])
    with_zeros = F.avg_pool2d(image, 2, stride=2, padding=1)
    assert_close(with_zeros[0, 0], torch.tensor([[1.0, 1.0], [2.0, -1.0]]))
    real_only = F.avg_pool2d(image, 2, stride=2, padding=1, count_include_pad=False)
    assert_close(real_only[0, 0], torch.tensor([[4.0, 2.0], [8.0, -2.0]]))


@pytest.mark.doc("torch.nn.functional.adaptive_avg_pool2d")
def test_functional_adaptive_avg_pool2d_averages_overlapping_windows_of_computed_bounds():
    """F.adaptive_avg_pool2d(x, (1, 3)) on a side of 5 averages windows [floor(i*5/3), ceil((i+1)*5/3)): columns
    0-1, 1-3 and 3-4, overlapping where 5 does not divide by 3."""
    image = torch.tensor([[[[1.0, -3.0, 5.0, 7.0, -9.0], [2.0, 4.0, -6.0, 8.0, 10.0]]]])
    windows = [(0, 2), (1, 4), (3, 5)]
    expected = torch.tensor([[[[float(image[0, 0, :, start:end].mean()) for start, end in windows]]]])
    assert_close(F.adaptive_avg_pool2d(image, (1, 3)), expected)


@pytest.mark.doc("torch.ao.nn.quantized.FloatFunctional")
def test_float_functional_does_float_arithmetic_and_refuses_forward():
    """FloatFunctional's add, mul, cat, add_relu, add_scalar and mul_scalar compute the plain float operations (it
    is the stand-in that quantization later swaps); calling it as a module is refused."""
    functional = torch.ao.nn.quantized.FloatFunctional()
    a, b = torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.5])
    assert_equal(
        [
            functional.add(a, b).tolist(),
            functional.mul(a, b).tolist(),
            functional.cat([a, b]).tolist(),
            functional.add_relu(a, b).tolist(),
            functional.add_scalar(a, 2.0).tolist(),
            functional.mul_scalar(a, 3.0).tolist(),
        ],
        [[4.0, -1.5], [3.0, -1.0], [1.0, -2.0, 3.0, 0.5], [4.0, 0.0], [3.0, 0.0], [3.0, -6.0]],
        "add, mul, cat, add_relu, add_scalar, mul_scalar",
    )
    with pytest.raises(RuntimeError, match="not intended to use the 'forward'"):
        functional(a)
