"""Numerical accuracy: what float32 and float64 can hold, what rounding and overflow do, and the precision switches.

Only what the note guarantees is asserted.  It promises no bitwise agreement between mathematically identical
computations (batched against sliced, CPU against GPU, one release against another), so those are compared to within
rounding; its examples of what may go wrong (a.norm() of [1e20, 1e20] is inf) are asserted through the operations
IEEE 754 fixes, not through an implementation that is free to do better.
"""

import math

import pytest
import torch

from torchspecs.assertions import assert_close, assert_equal, assert_values_equal

PAGE = "notes/numerical_accuracy"


def _float32(value):
    return torch.tensor(value, dtype=torch.float32)


def _float64(value):
    return torch.tensor(value, dtype=torch.float64)


@pytest.mark.doc(PAGE)
@pytest.mark.doc("torch.finfo")
def test_float32_keeps_about_7_decimal_digits_and_float64_about_16():
    """float32 resolves about 7 decimal digits (1 + 1e-8 rounds to 1) and float64 about 16 (1 + 1e-17 rounds to 1)."""
    assert_equal(
        ((_float32(1.0) + _float32(1e-8)).item(), (_float32(1.0) + _float32(1e-6)).item() > 1.0),
        (1.0, True),
        "(float32 1 + 1e-8, float32 1 + 1e-6 > 1)",
    )
    assert_equal(
        ((_float64(1.0) + _float64(1e-17)).item(), (_float64(1.0) + _float64(1e-15)).item() > 1.0),
        (1.0, True),
        "(float64 1 + 1e-17, float64 1 + 1e-15 > 1)",
    )
    float32, float64 = torch.finfo(torch.float32), torch.finfo(torch.float64)
    assert_equal((float32.eps, float32.resolution), (2.0**-23, 1e-6), "finfo(float32) (eps, resolution)")
    assert_equal((float64.eps, float64.resolution), (2.0**-52, 1e-15), "finfo(float64) (eps, resolution)")


@pytest.mark.doc(PAGE)
def test_float32_addition_and_multiplication_are_not_associative():
    """In float32 the grouping changes the result: (1e8 - 1e8) + 1 is 1 but 1e8 + (-1e8 + 1) is 0; products differ too."""
    big, minus_big, one = _float32(1e8), _float32(-1e8), _float32(1.0)
    assert_equal(((big + minus_big) + one).item(), 1.0, "(1e8 + -1e8) + 1 in float32")
    assert_equal((big + (minus_big + one)).item(), 0.0, "1e8 + (-1e8 + 1) in float32")
    tenth, nine_tenths = _float32(0.1), _float32(0.9)
    left, right = (tenth * tenth) * nine_tenths, tenth * (tenth * nine_tenths)
    assert_equal(left.dtype, torch.float32, "dtype of a float32 product")
    assert left.item() != right.item(), (
        f"expected (0.1 * 0.1) * 0.9 and 0.1 * (0.1 * 0.9) to differ, both {left.item()}"
    )


@pytest.mark.doc(PAGE, "batched-computations-or-slice-computations")
@pytest.mark.doc("torch.bmm")
def test_batched_and_sliced_computations_agree_to_within_rounding():
    """bmm's batch k matches mm of the k-th inputs, and a row of sum(-1) matches that row's sum, to within rounding."""
    generator = torch.Generator().manual_seed(0)
    left, right = torch.randn(3, 4, 5, generator=generator), torch.randn(3, 5, 2, generator=generator)
    batched = torch.bmm(left, right)
    for index in (0, 2):
        assert_close(batched[index], torch.mm(left[index], right[index]))
    assert_close((left @ right)[2], left[2] @ right[2])
    rows = torch.randn(3, 7, generator=generator)
    assert_close(rows.sum(-1)[1], rows[1].sum())


@pytest.mark.doc(PAGE, "extremal-values")
def test_an_overflowing_intermediate_makes_a_representable_float32_result_inf():
    """sqrt(sum(a * a)) of [1e20, 1e20] is inf in float32, as a * a overflows, though float64's 1.414e20 fits float32."""
    values = [1e20, 1e20]
    in_float32 = _float32(values)
    in_float64 = _float64(values)
    assert_equal(torch.isinf(in_float32.mul(in_float32).sum().sqrt()).item(), True, "float32 result is inf")
    norm = in_float64.mul(in_float64).sum().sqrt()
    assert_close(norm, _float64(math.sqrt(2) * 1e20))
    assert_close(in_float64.norm(), norm)
    assert_equal(torch.isfinite(norm.float()).item(), True, "float64 result cast to float32 is finite")


@pytest.mark.doc(PAGE, "extremal-values")
@pytest.mark.doc("torch.exp")
@pytest.mark.doc("torch.finfo")
def test_a_result_beyond_the_float32_range_is_inf_but_finite_in_float64():
    """exp(100) (2.7e43) is past finfo(float32).max (3.4e38), so it is inf in float32 and finite in float64."""
    assert_equal(torch.finfo(torch.float32).max, 3.4028234663852886e38, "finfo(float32).max")
    assert_equal(torch.finfo(torch.float32).tiny, 2.0**-126, "finfo(float32).tiny")
    assert_equal(torch.exp(_float32(100.0)).item(), math.inf, "exp(100) in float32")
    assert_close(torch.exp(_float64(100.0)), _float64(math.exp(100.0)))
    assert_equal(torch.exp(_float32(88.0)).item() < math.inf, True, "exp(88) in float32 is finite")


@pytest.mark.doc(PAGE, "extremal-values-in-linalg")
@pytest.mark.doc("torch.linalg.cond")
@pytest.mark.doc("torch.linalg.svdvals")
def test_cond_and_svdvals_reveal_an_ill_conditioned_matrix():
    """linalg.cond is huge and svdvals' last value tiny for a nearly singular matrix; both are modest for a sound one."""
    nearly_singular = _float64([[1.0, 1.0], [1.0, 1.0 + 1e-10]])
    sound = _float64([[3.0, 1.0], [-1.0, 2.0]])
    singular_values = torch.linalg.svdvals(nearly_singular)
    assert_equal(bool(singular_values[0] > 1.9 and singular_values[1] < 1e-9), True, f"svdvals {singular_values}")
    assert_equal(torch.linalg.cond(nearly_singular).item() > 1e9, True, "cond of the nearly singular matrix > 1e9")
    assert_equal(1.0 <= torch.linalg.cond(sound).item() < 3.0, True, "1 <= cond of [[3, 1], [-1, 2]] < 3")


@pytest.mark.doc(PAGE, "tensorfloat-32-tf32-on-nvidia-ampere-and-later-devices")
@pytest.mark.doc("torch.get_float32_matmul_precision")
def test_tf32_is_off_for_matmuls_and_on_for_cudnn_convolutions_by_default():
    """By default TF32 is off for float32 matmuls (precision 'highest') and allowed for cuDNN convolutions."""
    assert_equal(
        (
            torch.backends.cuda.matmul.allow_tf32,
            torch.get_float32_matmul_precision(),
            torch.backends.cudnn.allow_tf32,
        ),
        (False, "highest", True),
        "(cuda.matmul.allow_tf32, float32 matmul precision, cudnn.allow_tf32)",
    )


@pytest.mark.doc(PAGE, "reduced-precision-reduction-for-fp16-and-bf16-gemms")
def test_fp16_and_bf16_reduced_precision_reductions_are_allowed_by_default_and_can_be_turned_off():
    """The fp16 and bf16 GEMM reduced-precision-reduction flags start True and read back False once turned off."""
    flags = torch.backends.cuda.matmul
    names = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")
    before = tuple(getattr(flags, name) for name in names)
    try:
        assert_equal(before, (True, True), "(fp16, bf16) reduced-precision reduction by default")
        for name in names:
            setattr(flags, name, False)
        assert_equal(tuple(getattr(flags, name) for name in names), (False, False), "(fp16, bf16) once turned off")
    finally:
        for name, value in zip(names, before, strict=True):
            setattr(flags, name, value)


@pytest.mark.doc(PAGE, "reduced-precision-reduction-for-fp16-and-bf16-in-scaled-dot-product-attention-sdpa")
@pytest.mark.change("math-sdpa-reduced-precision-switch", side="after")
def test_math_sdpa_upcasts_fp16_and_bf16_unless_reduced_precision_is_allowed():
    """The math SDPA backend upcasts fp16/bf16 by default; allow_fp16_bf16_reduction_math_sdp(True) turns that off."""
    backends = torch.backends.cuda
    before = backends.fp16_bf16_reduction_math_sdp_allowed()
    try:
        assert_equal(before, False, "fp16/bf16 reduction in math SDPA allowed by default")
        backends.allow_fp16_bf16_reduction_math_sdp(True)
        assert_equal(backends.fp16_bf16_reduction_math_sdp_allowed(), True, "allowed once turned on")
    finally:
        backends.allow_fp16_bf16_reduction_math_sdp(before)


@pytest.mark.doc("notes/numerical_accuracy")
@pytest.mark.change("math-sdpa-reduced-precision-switch", side="before")
def test_there_is_no_switch_for_reduced_precision_in_math_sdpa():
    """torch.backends.cuda has no allow_fp16_bf16_reduction_math_sdp switch or getter."""
    names = ("allow_fp16_bf16_reduction_math_sdp", "fp16_bf16_reduction_math_sdp_allowed")
    assert_equal([hasattr(torch.backends.cuda, name) for name in names], [False, False], f"hasattr for {names}")


@pytest.mark.doc("torch.set_flush_denormal")
def test_flush_denormal_mode_turns_float64_denormals_into_zero():
    """With set_flush_denormal(True) arithmetic reads a float64 denormal (1e-323) as 0; with it off, as itself."""
    denormal_and_one = _float64([1e-323, 1.0])
    supported = torch.set_flush_denormal(True)
    try:
        multiplied = denormal_and_one * _float64(-2.0)
    finally:
        torch.set_flush_denormal(False)
    if not supported:
        pytest.skip("this CPU cannot flush denormals (set_flush_denormal needs SSE3 or AArch64)")
    assert_values_equal(multiplied, _float64([-0.0, -2.0]))
    assert_values_equal(denormal_and_one * _float64(-2.0), _float64([-2e-323, -2.0]))
