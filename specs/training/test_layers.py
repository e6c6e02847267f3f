"""Layers: shapes and formulas of Linear, Conv2d, MaxPool2d, Dropout, Embedding and the RNN family; nn.init."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from torchspecs.assertions import assert_close, assert_equal, assert_shape, assert_values_equal


def _conv_side(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@pytest.mark.doc("torch.nn.Linear")
@pytest.mark.claim("002.linear-is-a-class", verdict="holds")
@pytest.mark.claim("003.linear-bias-flag", verdict="holds")
def test_linear_weight_is_out_by_in_and_bias_is_optional():
    """Linear(in, out) has a weight of shape (out, in), computes x W^T + b, and bias=False drops b."""
    layer = nn.Linear(3, 2)
    assert_shape(layer.weight, (2, 3))
    inputs = torch.randn(4, 3)
    assert_close(layer(inputs), inputs @ layer.weight.T + layer.bias)
    assert_equal(nn.Linear(3, 2, bias=False).bias, None, "the bias of Linear(bias=False)")


@pytest.mark.doc("torch.nn.Conv2d")
@pytest.mark.claim("003.conv2d-kernel-size", verdict="holds")
@pytest.mark.claim("003.conv2d-padding-and-stride", verdict="holds")
@given(
    size=st.integers(5, 12),
    kernel=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
)
def test_conv2d_output_size_follows_the_documented_formula(size, kernel, stride, padding, dilation):
    """Conv2d's output side is floor((H + 2 padding - dilation (kernel - 1) - 1) / stride) + 1."""
    conv = nn.Conv2d(1, 2, kernel, stride=stride, padding=padding, dilation=dilation)
    side = _conv_side(size, kernel, stride, padding, dilation)
    assert_shape(conv(torch.zeros(1, 1, size, size)), (1, 2, side, side))


@pytest.mark.doc("torch.nn.MaxPool2d")
@pytest.mark.claim("003.max-pool-single-int", verdict="holds")
def test_max_pool_with_one_int_uses_it_for_kernel_and_stride():
    """MaxPool2d(k) uses k as the kernel size and, by default, as the stride: windows do not overlap."""
    pooled = nn.MaxPool2d(2)(torch.arange(16.0).reshape(1, 1, 4, 4))
    assert_values_equal(pooled, torch.tensor([[[[5.0, 7.0], [13.0, 15.0]]]]))


@pytest.mark.doc("torch.nn.Dropout")
@pytest.mark.claim("003.dropout-rate", verdict="holds")
def test_dropout_p_is_the_probability_of_zeroing():
    """Dropout(p) zeroes each element with probability p (seeded, so the fraction is exact here: near p)."""
    kept = nn.Dropout(0.3)(torch.ones(100_000))
    assert_equal(round((kept == 0).float().mean().item(), 2), 0.3, "the fraction zeroed, to two decimals")


@pytest.mark.doc("torch.nn.Embedding")
@pytest.mark.claim("003.embedding-weight-table", verdict="holds")
def test_embedding_looks_up_rows_of_its_weight():
    """Embedding(num, dim).weight is the (num, dim) table; looking up indices returns those rows."""
    embedding = nn.Embedding(5, 3)
    assert_shape(embedding.weight, (5, 3))
    assert_values_equal(embedding(torch.tensor([4, 0])), embedding.weight[[4, 0]])


@pytest.mark.claim("003.embedding-padding-idx", verdict="holds")
@pytest.mark.doc("torch.nn.Embedding")
def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    """The padding_idx row is initialised to zeros and receives no gradient."""
    embedding = nn.Embedding(4, 2, padding_idx=0)
    assert_values_equal(embedding.weight[0].detach(), torch.zeros(2))
    embedding(torch.tensor([0, 1, 0])).sum().backward()
    assert_values_equal(embedding.weight.grad[0], torch.zeros(2))
    assert_values_equal(embedding.weight.grad[1], torch.ones(2))


@pytest.mark.doc("torch.nn.Embedding.from_pretrained")
@pytest.mark.claim("003.embedding-from-pretrained-freeze", verdict="holds")
def test_from_pretrained_freezes_by_default_and_trains_with_freeze_false():
    """Embedding.from_pretrained(vectors) copies the vectors and is frozen; freeze=False makes the weight trainable."""
    vectors = torch.arange(6.0).reshape(3, 2)
    assert_equal(nn.Embedding.from_pretrained(vectors).weight.requires_grad, False, "requires_grad by default")
    trainable = nn.Embedding.from_pretrained(vectors, freeze=False)
    assert_equal(trainable.weight.requires_grad, True, "requires_grad with freeze=False")
    assert_values_equal(trainable.weight.detach(), vectors)


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.claim("003.lstm-gru-take-rnn-arguments", verdict="holds")
@pytest.mark.claim("003.rnn-options", verdict="holds")
@pytest.mark.parametrize("layer_class", [nn.RNN, nn.GRU, nn.LSTM], ids=["rnn", "gru", "lstm"])
@pytest.mark.parametrize(("batch_first", "num_layers", "bidirectional"), [(False, 1, False), (True, 2, True)])
def test_recurrent_output_and_state_shapes(layer_class, batch_first, num_layers, bidirectional):
    """Output is (L, N, D*H) or (N, L, D*H) with batch_first; the state is (D*num_layers, N, H) either way."""
    layer = layer_class(4, 3, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    sequence, batch, directions = 5, 2, 2 if bidirectional else 1
    inputs = torch.zeros(batch, sequence, 4) if batch_first else torch.zeros(sequence, batch, 4)
    output, state = layer(inputs)
    assert_shape(output, (batch, sequence, directions * 3) if batch_first else (sequence, batch, directions * 3))
    for part in state if isinstance(state, tuple) else (state,):
        assert_shape(part, (directions * num_layers, batch, 3))


@pytest.mark.doc("torch.nn.LSTM")
@pytest.mark.claim("003.rnn-needs-initial-state", verdict="wrong")
@pytest.mark.parametrize("layer_class", [nn.RNN, nn.GRU, nn.LSTM], ids=["rnn", "gru", "lstm"])
def test_an_omitted_initial_state_is_zeros(layer_class):
    """The initial state is optional: leaving it out is the same as passing zeros."""
    layer, inputs = layer_class(4, 3, num_layers=2), torch.randn(5, 2, 4)
    zeros = torch.zeros(2, 2, 3)
    initial = (zeros, zeros) if layer_class is nn.LSTM else zeros
    assert_values_equal(layer(inputs)[0], layer(inputs, initial)[0])


@pytest.mark.doc("nn.init")
@pytest.mark.claim("003.init-uniform-normal", verdict="holds")
def test_init_functions_fill_the_tensor_in_place():
    """nn.init.uniform_(t, a, b), normal_(t, mean, std) and constant_(t, val) fill t itself and return it."""
    tensor = torch.empty(10_000)
    assert_equal(nn.init.uniform_(tensor, 2.0, 3.0) is tensor, True, "uniform_ returns its tensor")
    assert_equal(bool(tensor.min() >= 2.0 and tensor.max() <= 3.0), True, "every value in [2, 3]")
    nn.init.normal_(tensor, 5.0, 0.1)
    assert_equal(round(tensor.mean().item()), 5, "the mean after normal_(t, 5, 0.1), rounded")
    assert_values_equal(nn.init.constant_(tensor, 7.0), torch.full((10_000,), 7.0))


@pytest.mark.doc("nn.init")
@pytest.mark.claim("003.init-constant-takes-a-and-b", verdict="wrong")
def test_init_constant_takes_one_value():
    """nn.init.constant(t, a, b) is not a thing: constant_ fills the tensor with one value, and a second is a TypeError."""
    with pytest.raises(TypeError):
        nn.init.constant_(torch.empty(2), 1.0, 2.0)


@pytest.mark.doc("nn.init")
@pytest.mark.claim("003.init-constant-takes-a-and-b", verdict="wrong")
@pytest.mark.change("init-old-names-future-warning", side="before")
def test_old_init_names_warn_a_user_warning():
    """an old init name without the _ (nn.init.constant) warns UserWarning that it is deprecated."""
    with pytest.warns(UserWarning, match=r"^nn\.init\.constant is now deprecated in favor of nn\.init\.constant_\.$"):
        nn.init.constant(torch.empty(2), 1.0)


@pytest.mark.doc("nn.init")
@pytest.mark.claim("003.init-constant-takes-a-and-b", verdict="wrong")
@pytest.mark.change("init-old-names-future-warning", side="after")
def test_old_init_names_warn_a_future_warning():
    """an old init name without the _ (nn.init.constant) warns FutureWarning that it is deprecated."""
    with pytest.warns(
        FutureWarning, match=r"^`nn\.init\.constant` is now deprecated in favor of `nn\.init\.constant_`\.$"
    ):
        nn.init.constant(torch.empty(2), 1.0)


@pytest.mark.doc("nn.init")
@pytest.mark.claim("003.xavier-init-for-frozen-layers", verdict="wrong")
def test_xavier_init_sets_values_and_does_not_freeze_the_layer():
    """nn.init.xavier_uniform_ only sets the weight's values: the weight still requires grad and still trains."""
    layer = nn.Linear(4, 4)
    nn.init.xavier_uniform_(layer.weight)
    assert_equal(layer.weight.requires_grad, True, "requires_grad after xavier_uniform_")
    layer(torch.ones(1, 4)).sum().backward()
    assert_equal(layer.weight.grad is None, False, "the weight's grad is None after backward")


@pytest.mark.doc("torch.nn.Embedding")
@pytest.mark.claim("003.embedding-dim-feeds-the-next-layer", verdict="holds")
def test_the_layer_after_an_embedding_takes_embedding_dim_features():
    """Embedding(10, 4) turns tokens into 4 features, so the next layer's input_size must be 4: 5 raises."""
    embedded = nn.Embedding(10, 4)(torch.tensor([[1, 2, 3], [4, 5, 9]]))
    assert_shape(embedded, (2, 3, 4))
    output, _ = nn.RNN(4, 3, batch_first=True)(embedded)
    assert_shape(output, (2, 3, 3))
    with pytest.raises(RuntimeError, match=r"input\.size\(-1\) must be equal to input_size\. Expected 5, got 4"):
        nn.RNN(5, 3, batch_first=True)(embedded)


@pytest.mark.doc("torch.nn.init.xavier_uniform_")
@pytest.mark.claim("003.xavier-uniform-initialises-one-layer", verdict="holds")
def test_xavier_uniform_refills_only_the_weight_it_is_given_in_place():
    """xavier_uniform_(model[0].weight) refills that weight in place, within sqrt(6 / (fan_in + fan_out)); others stay."""
    model = nn.Sequential(nn.Linear(30, 20), nn.Linear(20, 10))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(7.0)
    weight = model[0].weight
    returned = nn.init.xavier_uniform_(weight)
    assert_equal(returned is weight, True, "xavier_uniform_ returns the tensor it filled")
    bound = (6 / (30 + 20)) ** 0.5
    assert_equal(bool((weight.abs() <= bound).all()), True, f"every value is within {bound:.3f}")
    assert_equal(weight.unique().numel() > 100, True, "the values are drawn, not one constant")
    for untouched in (model[0].bias, model[1].weight, model[1].bias):
        assert_equal(bool((untouched == 7.0).all()), True, "another parameter kept its value 7")


SEQUENCES_TO_PAD = (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0]))


@pytest.mark.doc("torch.nn.utils.rnn.pad_sequence")
@pytest.mark.change("pad-sequence-padding-side", side="before")
def test_pad_sequence_takes_no_padding_side():
    """pad_sequence always pads on the right and refuses a padding_side argument with TypeError."""
    padded = torch.nn.utils.rnn.pad_sequence(list(SEQUENCES_TO_PAD), batch_first=True, padding_value=-1.0)
    assert_values_equal(padded, torch.tensor([[1.0, 2.0, 3.0], [4.0, -1.0, -1.0]]))
    with pytest.raises(TypeError, match=r"padding_side"):
        torch.nn.utils.rnn.pad_sequence(list(SEQUENCES_TO_PAD), batch_first=True, padding_side="left")


@pytest.mark.doc("torch.nn.utils.rnn.pad_sequence")
@pytest.mark.change("pad-sequence-padding-side", side="after")
def test_pad_sequence_pads_on_the_side_it_is_told():
    """pad_sequence(padding_side="left") puts the padding before each shorter sequence; "right" is the default."""
    pad_sequence = torch.nn.utils.rnn.pad_sequence
    sequences = list(SEQUENCES_TO_PAD)
    left = pad_sequence(sequences, batch_first=True, padding_value=-1.0, padding_side="left")
    assert_values_equal(left, torch.tensor([[1.0, 2.0, 3.0], [-1.0, -1.0, 4.0]]))
    time_first = pad_sequence(sequences, padding_value=-1.0, padding_side="left")
    assert_values_equal(time_first, torch.tensor([[1.0, -1.0], [2.0, -1.0], [3.0, 4.0]]))
    assert_values_equal(
        pad_sequence(sequences, batch_first=True, padding_value=-1.0),
        pad_sequence(sequences, batch_first=True, padding_value=-1.0, padding_side="right"),
    )
    assert_values_equal(
        pad_sequence(sequences, batch_first=True, padding_value=-1.0),
        torch.tensor([[1.0, 2.0, 3.0], [4.0, -1.0, -1.0]]),
    )
