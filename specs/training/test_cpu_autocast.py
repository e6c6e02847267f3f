"""Automatic mixed precision on the CPU: inside torch.autocast("cpu"), which ops run in bfloat16, which in float32,
which follow their inputs, and what the region leaves alone (parameters, float64, in-place and out= calls, the code
after it); the dtypes CPU autocast accepts, and the names its switches and getters go by."""

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchspecs.assertions import assert_close, assert_dtype, assert_equal, assert_values_equal

# Inputs of unequal sides and signs, so that a transposed or sign-blind computation would not pass as the op.
WIDE = torch.tensor([[1.5, -2.0, 0.25], [-0.5, 3.0, 1.0]])
TALL = torch.tensor([[2.0, -1.0], [0.5, 1.5], [-3.0, 0.25]])
IMAGE = torch.arange(-12.0, 13.0).view(1, 1, 5, 5) / 4
KERNEL = torch.tensor([[[[1.0, -1.0], [0.5, 2.0]]], [[[-0.25, 1.0], [1.0, 0.0]]]])
VOLUME = torch.arange(-32.0, 32.0).view(1, 1, 4, 4, 4) / 8

# Ops on the documentation's list of CPU ops that autocast to the lower precision, each on float32 inputs.
LOWER_PRECISION_OPS = {
    "mm": lambda: torch.mm(WIDE, TALL),
    "matmul": lambda: WIDE @ TALL,
    "bmm": lambda: torch.bmm(WIDE.expand(2, 2, 3), TALL.expand(2, 3, 2)),
    "addmm": lambda: torch.addmm(torch.ones(2, 2), WIDE, TALL),
    "baddbmm": lambda: torch.baddbmm(torch.ones(2, 2, 2), WIDE.expand(2, 2, 3), TALL.expand(2, 3, 2)),
    "linear": lambda: F.linear(WIDE, TALL.t()),
    "conv1d": lambda: F.conv1d(WIDE.unsqueeze(0), KERNEL[:, :, 0].expand(2, 2, 2)),
    "conv2d": lambda: F.conv2d(IMAGE, KERNEL),
    "conv_transpose2d": lambda: F.conv_transpose2d(IMAGE, KERNEL.transpose(0, 1)),
}

# Ops on the documentation's list of CPU ops that autocast to float32, each taking its float inputs from ``cast``.
FLOAT32_OPS = {
    "mse_loss": lambda cast: F.mse_loss(cast(WIDE), cast(WIDE.flip(0))),
    "l1_loss": lambda cast: F.l1_loss(cast(WIDE), cast(WIDE.flip(1))),
    "huber_loss": lambda cast: F.huber_loss(cast(WIDE), cast(WIDE.flip(0))),
    "kl_div": lambda cast: F.kl_div(cast(WIDE), cast(WIDE.abs()), reduction="batchmean"),
    "nll_loss": lambda cast: F.nll_loss(cast(WIDE), torch.tensor([2, 0])),
    "cross_entropy": lambda cast: F.cross_entropy(cast(WIDE), torch.tensor([2, 0])),
    "binary_cross_entropy": lambda cast: F.binary_cross_entropy(cast(torch.sigmoid(WIDE)), cast(torch.sigmoid(-WIDE))),
    "prod": lambda cast: torch.prod(cast(WIDE)),
    "cdist": lambda cast: torch.cdist(cast(WIDE), cast(WIDE.flip(0))),
    "inverse": lambda cast: torch.inverse(cast(TALL[:2])),
    "avg_pool3d": lambda cast: F.avg_pool3d(cast(VOLUME), 2),
    "adaptive_avg_pool3d": lambda cast: F.adaptive_avg_pool3d(cast(VOLUME), 1),
}


def bfloat16(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.to(torch.bfloat16)


def float32(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.to(torch.float32)


@pytest.mark.doc("amp", "cpu-ops-that-can-autocast-to-bfloat16")
@pytest.mark.doc("torch.autocast")
@pytest.mark.parametrize("op", list(LOWER_PRECISION_OPS))
def test_listed_ops_run_in_bfloat16_inside_a_cpu_autocast_region(op):
    """Inside torch.autocast("cpu", dtype=torch.bfloat16), matmuls, linear and convolutions on float32 give bfloat16."""
    run = LOWER_PRECISION_OPS[op]
    expected = run()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = run()
    assert_dtype(result, torch.bfloat16)
    assert_close(result.float(), expected, rtol=2e-2, atol=5e-2)


@pytest.mark.doc("amp", "cpu-ops-that-can-autocast-to-float32")
@pytest.mark.parametrize("op", list(FLOAT32_OPS))
def test_float32_listed_ops_run_in_float32_even_from_bfloat16_inputs(op):
    """Ops on the CPU float32 list (losses, prod, cdist, inverse, 3-d pooling) give float32 from bfloat16 inputs."""
    run = FLOAT32_OPS[op]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = run(bfloat16)
    assert_dtype(result, torch.float32)
    assert_close(result, run(lambda tensor: bfloat16(tensor).float()))


@pytest.mark.doc("amp", "cpu-op-specific-behavior")
def test_unlisted_ops_run_in_the_dtype_of_their_inputs():
    """An op on no list (relu, tanh, add) runs in its inputs' dtype: bfloat16 after a bfloat16 op, float32 otherwise."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        product = torch.mm(WIDE, TALL)
        dtypes = {
            "relu(float32)": F.relu(WIDE).dtype,
            "relu(mm)": F.relu(product).dtype,
            "tanh(mm)": torch.tanh(product).dtype,
            "mm + mm": (product + product).dtype,
            "mm + float32": (product + torch.ones(2, 2)).dtype,
        }
    assert_equal(
        dtypes,
        {
            "relu(float32)": torch.float32,
            "relu(mm)": torch.bfloat16,
            "tanh(mm)": torch.bfloat16,
            "mm + mm": torch.bfloat16,
            "mm + float32": torch.float32,
        },
        "the dtypes of unlisted ops",
    )


@pytest.mark.doc("amp", "cpu-ops-that-promote-to-the-widest-input-type")
def test_index_copy_promotes_mixed_inputs_to_float32_inside_the_region_and_refuses_them_outside():
    """index_copy takes a bfloat16 source into float32 inside a region (promoted to float32); outside it raises."""
    target, index, source = torch.zeros(3, 2), torch.tensor([2, 0]), bfloat16(TALL[:2])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = target.index_copy(0, index, source)
    assert_dtype(result, torch.float32)
    assert_values_equal(result, torch.tensor([[0.5, 1.5], [0.0, 0.0], [2.0, -1.0]]))
    with pytest.raises(RuntimeError, match="same dtype"):
        target.index_copy(0, index, source)


@pytest.mark.doc("torch.autocast")
def test_mixed_dtype_inputs_need_no_casts_inside_the_region_but_do_outside():
    """Inside a region, mm takes float32 with bfloat16 (both cast for it); outside, that mix raises RuntimeError."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert_dtype(torch.mm(WIDE, bfloat16(TALL)), torch.bfloat16)
    with pytest.raises(RuntimeError, match=r"scalar type|same dtype"):
        torch.mm(WIDE, bfloat16(TALL))


@pytest.mark.doc("torch.autocast")
def test_ops_after_the_region_run_in_their_inputs_dtype_again():
    """On leaving the region, ops go back to their inputs' dtype; a bfloat16 result made inside stays bfloat16."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside = torch.mm(WIDE, TALL)
    assert_dtype(torch.mm(WIDE, TALL), torch.float32)
    assert_dtype(inside, torch.bfloat16)


@pytest.mark.doc("torch.autocast")
def test_enabled_false_makes_a_region_that_does_not_autocast():
    """torch.autocast("cpu", enabled=False) leaves every op in its inputs' dtype."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=False):
        assert_dtype(torch.mm(WIDE, TALL), torch.float32)


@pytest.mark.doc("torch.autocast")
def test_a_nested_disabled_region_turns_autocast_off_until_it_ends():
    """An autocast(enabled=False) region inside an enabled one runs in float32; after it, the outer region casts again."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with torch.autocast("cpu", enabled=False):
            inner = torch.mm(WIDE, TALL)
        after_inner = torch.mm(WIDE, TALL)
    assert_equal((inner.dtype, after_inner.dtype), (torch.float32, torch.bfloat16), "(inner, after the inner region)")


@pytest.mark.doc("torch.autocast")
def test_autocast_works_as_a_decorator():
    """torch.autocast("cpu") decorating a function runs its body in a region: its mm gives bfloat16."""

    @torch.autocast("cpu", dtype=torch.bfloat16)
    def forward(left, right):
        return torch.mm(left, right)

    assert_dtype(forward(WIDE, TALL), torch.bfloat16)
    assert_dtype(torch.mm(WIDE, TALL), torch.float32)


@pytest.mark.doc("torch.autocast")
def test_parameters_and_their_gradients_stay_float32():
    """Autocast casts on the fly: a layer's output is bfloat16, but its weights, and their gradients, stay float32."""
    layer = nn.Linear(3, 2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        output = layer(WIDE)
    output.float().sum().backward()
    assert_equal(
        (output.dtype, layer.weight.dtype, layer.bias.dtype, layer.weight.grad.dtype),
        (torch.bfloat16, torch.float32, torch.float32, torch.float32),
        "(output, weight, bias, weight.grad) dtypes",
    )


@pytest.mark.doc("amp", "op-eligibility")
def test_float64_and_integer_inputs_are_not_autocast():
    """Ops on float64 or integer inputs are not eligible: mm keeps float64 and int64 inside a region."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        dtypes = (torch.mm(WIDE.double(), TALL.double()).dtype, torch.mm(WIDE.long(), TALL.long()).dtype)
    assert_equal(dtypes, (torch.float64, torch.int64), "mm dtypes of float64 and int64 inputs")


@pytest.mark.doc("amp", "op-eligibility")
def test_in_place_and_out_calls_are_not_autocast():
    """In-place variants and calls with out= run in their tensors' dtype: addmm_ and mm(out=float32) stay float32."""
    accumulated, written = torch.ones(2, 2), torch.empty(2, 2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        accumulated.addmm_(WIDE, TALL)
        torch.mm(WIDE, TALL, out=written)
    expected = torch.mm(WIDE, TALL)
    assert_equal((accumulated.dtype, written.dtype), (torch.float32, torch.float32), "(addmm_, mm out=) dtypes")
    assert_values_equal(accumulated, expected + 1)
    assert_values_equal(written, expected)


@pytest.mark.doc("torch.autocast")
def test_the_cpu_region_casts_to_bfloat16_unless_told_otherwise():
    """torch.autocast("cpu") with no dtype casts to bfloat16, and torch.amp.autocast is the same class."""
    with torch.autocast("cpu"):
        assert_dtype(torch.mm(WIDE, TALL), torch.bfloat16)
    assert_equal(torch.amp.autocast is torch.autocast, True, "torch.amp.autocast is torch.autocast")


@pytest.mark.doc("amp", "autocasting")
def test_is_autocast_enabled_without_a_device_does_not_see_a_cpu_region():
    """torch.is_autocast_enabled() with no argument asks about CUDA: it is False inside a CPU region."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert_equal(torch.is_autocast_enabled(), False, "torch.is_autocast_enabled() in a CPU region")


@pytest.mark.doc("amp", "autocasting")
@pytest.mark.change("autocast-cpu-getters-deprecated", side="after")
def test_the_device_getters_report_the_cpu_region():
    """is_autocast_enabled("cpu") and get_autocast_dtype("cpu") report the region: on with its dtype, off after it."""
    with torch.autocast("cpu", dtype=torch.float16):
        inside = (torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))
    outside = (torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))
    assert_equal(inside, (True, torch.float16), "(enabled, dtype) inside autocast('cpu', dtype=float16)")
    assert_equal(outside, (False, torch.bfloat16), "(enabled, dtype) outside, back to the default bfloat16")


@pytest.mark.doc("amp", "autocasting")
@pytest.mark.change("autocast-cpu-getters-deprecated", side="after")
def test_get_autocast_cpu_dtype_warns_that_it_is_deprecated():
    """torch.get_autocast_cpu_dtype() warns DeprecationWarning, naming get_autocast_dtype('cpu'), and still answers."""
    with pytest.warns(DeprecationWarning, match=r"get_autocast_cpu_dtype\(\) is deprecated"):
        dtype = torch.get_autocast_cpu_dtype()
    assert_equal(dtype, torch.bfloat16, "torch.get_autocast_cpu_dtype()")


@pytest.mark.doc("amp", "autocasting")
@pytest.mark.change("autocast-cpu-getters-deprecated", side="before")
def test_the_cpu_getters_report_the_cpu_region():
    """is_autocast_cpu_enabled() and get_autocast_cpu_dtype() report the region (on, its dtype), and warn nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.autocast("cpu", dtype=torch.bfloat16):
            inside = (torch.is_autocast_cpu_enabled(), torch.get_autocast_cpu_dtype())
        outside = (torch.is_autocast_cpu_enabled(), torch.get_autocast_cpu_dtype())
    assert_equal(inside, (True, torch.bfloat16), "(enabled, dtype) inside autocast('cpu')")
    assert_equal(outside, (False, torch.bfloat16), "(enabled, dtype) outside a region")


@pytest.mark.doc("amp", "cpu-op-specific-behavior")
@pytest.mark.change("cpu-autocast-float16", side="after")
def test_a_float16_cpu_region_casts_the_listed_ops_to_float16():
    """torch.autocast("cpu", dtype=torch.float16) is accepted: the bfloat16 list's ops give float16, without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.autocast("cpu", dtype=torch.float16):
            result = torch.mm(WIDE, TALL)
    assert_dtype(result, torch.float16)


@pytest.mark.doc("torch.autocast")
@pytest.mark.change("cpu-autocast-float16", side="before")
def test_a_float16_cpu_region_is_refused():
    """CPU autocast supports only bfloat16: asking for float16 warns that it is disabling autocast, then raises."""
    with (
        pytest.warns(UserWarning, match="CPU Autocast only supports dtype of torch.bfloat16"),
        pytest.raises(RuntimeError, match="AutocastCPU only support Bfloat16"),
        torch.autocast("cpu", dtype=torch.float16),
    ):
        pass


@pytest.mark.doc("torch.autocast")
@pytest.mark.change("cpu-autocast-float16", side="after")
def test_an_unsupported_cpu_dtype_warns_and_disables_the_region():
    """A dtype CPU autocast does not support (float64) warns UserWarning 'Disabling autocast'; ops keep their dtype."""
    with (
        pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported. Disabling autocast"),
        torch.autocast("cpu", dtype=torch.float64),
    ):
        result = torch.mm(WIDE, TALL)
    assert_dtype(result, torch.float32)


@pytest.mark.doc("torch.cpu.amp.autocast")
@pytest.mark.change("cpu-amp-autocast-deprecated", side="after")
def test_torch_cpu_amp_autocast_warns_that_it_is_deprecated():
    """torch.cpu.amp.autocast(...) warns FutureWarning pointing at torch.amp.autocast('cpu', ...), and still casts."""
    with pytest.warns(FutureWarning, match=r"`torch\.cpu\.amp\.autocast\(args\.\.\.\)` is deprecated"):
        region = torch.cpu.amp.autocast()
    with region:
        assert_dtype(torch.mm(WIDE, TALL), torch.bfloat16)


@pytest.mark.doc("torch.cpu.amp.autocast")
@pytest.mark.change("cpu-amp-autocast-deprecated", side="before")
def test_torch_cpu_amp_autocast_is_torch_autocast_on_the_cpu():
    """torch.cpu.amp.autocast(...) is torch.autocast("cpu", ...): bfloat16 by default, with no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.cpu.amp.autocast():
            assert_dtype(torch.mm(WIDE, TALL), torch.bfloat16)


@pytest.mark.doc("amp", "cpu-ops-that-can-autocast-to-bfloat16")
@pytest.mark.doc("torch.nn.functional.prelu")
@pytest.mark.change("cpu-autocast-prelu-lower-precision", side="after")
def test_prelu_runs_in_bfloat16_inside_a_cpu_autocast_region():
    """prelu is on the CPU lower-precision list: on float32 inputs inside a bfloat16 region it gives bfloat16."""
    weight = torch.tensor([0.1])
    expected = F.prelu(IMAGE, weight)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = F.prelu(IMAGE, weight)
    assert_dtype(result, torch.bfloat16)
    assert_close(result.float(), expected, rtol=1e-2, atol=1e-2)


@pytest.mark.doc("torch.nn.PReLU")
@pytest.mark.change("cpu-autocast-prelu-lower-precision", side="after")
def test_prelu_layer_takes_a_bfloat16_activation_inside_a_cpu_autocast_region():
    """Inside a bfloat16 CPU region, nn.PReLU's float32 weight is cast to meet a bfloat16 activation, not refused."""
    layer = nn.PReLU(init=0.1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        activation = F.conv2d(IMAGE, KERNEL)
        result = layer(activation)
    assert_dtype(result, torch.bfloat16)
    assert_close(
        result.float(), torch.where(activation > 0, activation, 0.1 * activation).float(), rtol=1e-2, atol=1e-2
    )
    assert_dtype(layer.weight, torch.float32)


@pytest.mark.doc("amp", "cpu-op-specific-behavior")
@pytest.mark.doc("torch.nn.functional.prelu")
@pytest.mark.change("cpu-autocast-prelu-lower-precision", side="before")
def test_prelu_keeps_float32_inside_a_cpu_autocast_region():
    """prelu is on no CPU autocast list: on float32 inputs inside a bfloat16 region it gives float32."""
    weight = torch.tensor([0.1])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = F.prelu(IMAGE, weight)
    assert_dtype(result, torch.float32)
    assert_values_equal(result, torch.where(IMAGE > 0, IMAGE, 0.1 * IMAGE))


@pytest.mark.doc("torch.nn.PReLU")
@pytest.mark.change("cpu-autocast-prelu-lower-precision", side="before")
def test_prelu_layer_refuses_a_bfloat16_activation_inside_a_cpu_autocast_region():
    """Inside a bfloat16 CPU region, nn.PReLU refuses a bfloat16 activation: its weight stays float32."""
    layer = nn.PReLU(init=0.1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        activation = F.conv2d(IMAGE, KERNEL)
        with pytest.raises(RuntimeError, match="prelu: Type promoting not supported"):
            layer(activation)


@pytest.mark.doc("amp", "cpu-ops-that-can-autocast-to-bfloat16")
@pytest.mark.doc("torch.linalg.vecdot")
@pytest.mark.change("cpu-autocast-linalg-vecdot-lower-precision", side="after")
def test_vecdot_runs_in_bfloat16_inside_a_cpu_autocast_region():
    """torch.linalg.vecdot follows matmul inside a bfloat16 CPU region: float32 inputs give bfloat16."""
    expected = torch.linalg.vecdot(WIDE, WIDE.flip(1))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = torch.linalg.vecdot(WIDE, WIDE.flip(1))
    assert_dtype(result, torch.bfloat16)
    assert_close(result.float(), expected, rtol=1e-2, atol=1e-2)


@pytest.mark.doc("amp", "cpu-op-specific-behavior")
@pytest.mark.doc("torch.linalg.vecdot")
@pytest.mark.change("cpu-autocast-linalg-vecdot-lower-precision", side="before")
def test_vecdot_keeps_float32_inside_a_cpu_autocast_region():
    """torch.linalg.vecdot is on no CPU autocast list: inside a bfloat16 region float32 inputs give float32."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        result = torch.linalg.vecdot(WIDE, WIDE.flip(1))
        product = WIDE @ WIDE.flip(1).t()
    assert_dtype(result, torch.float32)
    assert_values_equal(result, (WIDE * WIDE.flip(1)).sum(1))
    assert_dtype(product, torch.bfloat16)


# Two vectors whose inner product is exact in bfloat16 (1.25), so only the dtype tells the two policies apart.
ROW, OTHER_ROW = torch.tensor([1.5, -2.0, 0.25]), torch.tensor([2.0, 0.5, -3.0])


@pytest.mark.doc("torch.inner")
@pytest.mark.doc("torch.tensordot")
@pytest.mark.change("cpu-autocast-vector-inner-product-in-float32", side="after")
def test_inner_product_of_vectors_stays_float32_inside_a_cpu_autocast_region():
    """Inside a bfloat16 CPU region, inner of two 1-D float32 tensors (and a full tensordot) gives float32, like dot."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        vectors = torch.inner(ROW, OTHER_ROW)
        contracted = torch.tensordot(WIDE, WIDE.flip(0), dims=2)
        rows = torch.inner(WIDE, OTHER_ROW)
    assert_equal((vectors.dtype, contracted.dtype), (torch.float32, torch.float32), "(inner of 1-D, full tensordot)")
    assert_values_equal(vectors, torch.tensor(1.25))
    assert_values_equal(contracted, (WIDE * WIDE.flip(0)).sum())
    assert_dtype(rows, torch.bfloat16)


@pytest.mark.doc("torch.inner")
@pytest.mark.doc("torch.tensordot")
@pytest.mark.change("cpu-autocast-vector-inner-product-in-float32", side="before")
def test_inner_product_of_vectors_runs_in_bfloat16_inside_a_cpu_autocast_region():
    """Inside a bfloat16 CPU region, inner of two 1-D float32 tensors (and a full tensordot) gives bfloat16, like mm."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        vectors = torch.inner(ROW, OTHER_ROW)
        contracted = torch.tensordot(WIDE, WIDE.flip(0), dims=2)
    assert_equal((vectors.dtype, contracted.dtype), (torch.bfloat16, torch.bfloat16), "(inner of 1-D, full tensordot)")
    assert_values_equal(vectors.float(), torch.tensor(1.25))
    assert_values_equal(torch.dot(ROW, OTHER_ROW), torch.tensor(1.25))
