"""Tensor attributes: what a dtype says about itself, the numbers torch.finfo and torch.iinfo give for it, and the
type promotion rules written out in full: every pair of the page's dtypes, Python scalars and zero-dim tensors against
dimensioned ones, and which results an in-place op or an out= tensor may take."""

import math
import re
import warnings

import numpy as np
import pytest
import torch

from torchspecs.assertions import assert_dtype, assert_equal, assert_values_equal
from torchspecs.isolation import default_dtype

WIDE_UNSIGNED = pytest.mark.change("wide-unsigned-int-dtypes", side="after")

# The page's dtypes with (is_floating_point, is_complex, is_signed), each newer one gated to the releases that have
# it. float8_e4m3fnuz and float8_e5m2fnuz exist from 2.2, and uint16, uint32 and uint64 from 2.3, but in their first
# release asking whether they are signed raises "Unknown ScalarType".
FROM_2_1, FROM_2_3, FROM_2_4 = (pytest.mark.torch_version(f">={release}") for release in ("2.1", "2.3", "2.4"))
DTYPE_CATEGORIES = [
    pytest.param("float32", (True, False, True), id="float32"),
    pytest.param("float64", (True, False, True), id="float64"),
    pytest.param("float16", (True, False, True), id="float16"),
    pytest.param("bfloat16", (True, False, True), id="bfloat16"),
    pytest.param("complex32", (False, True, True), id="complex32"),
    pytest.param("complex64", (False, True, True), id="complex64"),
    pytest.param("complex128", (False, True, True), id="complex128"),
    pytest.param("float8_e4m3fn", (True, False, True), id="float8_e4m3fn", marks=FROM_2_1),
    pytest.param("float8_e5m2", (True, False, True), id="float8_e5m2", marks=FROM_2_1),
    pytest.param("float8_e4m3fnuz", (True, False, True), id="float8_e4m3fnuz", marks=FROM_2_3),
    pytest.param("float8_e5m2fnuz", (True, False, True), id="float8_e5m2fnuz", marks=FROM_2_3),
    pytest.param("float8_e8m0fnu", (True, False, False), id="float8_e8m0fnu", marks=pytest.mark.torch_version(">=2.7")),
    pytest.param(
        "float4_e2m1fn_x2", (True, False, True), id="float4_e2m1fn_x2", marks=pytest.mark.torch_version(">=2.8")
    ),
    pytest.param("uint8", (False, False, False), id="uint8"),
    pytest.param("int8", (False, False, True), id="int8"),
    pytest.param("uint16", (False, False, False), id="uint16", marks=FROM_2_4),
    pytest.param("int16", (False, False, True), id="int16"),
    pytest.param("uint32", (False, False, False), id="uint32", marks=FROM_2_4),
    pytest.param("int32", (False, False, True), id="int32"),
    pytest.param("uint64", (False, False, False), id="uint64", marks=FROM_2_4),
    pytest.param("int64", (False, False, True), id="int64"),
    pytest.param("bool", (False, False, False), id="bool"),
]

# (eps, max, min, tiny) of each float8 dtype, from its layout: S-E-M 1-4-3 and 1-5-2 as in arXiv 2209.05433, the
# fnuz kinds with their exponent bias one higher, and e8m0fnu 0-8-0.
FLOAT8_FINFO = {
    "float8_e4m3fn": (2**-3, 448.0, -448.0, 2**-6),
    "float8_e5m2": (2**-2, 57344.0, -57344.0, 2**-14),
    "float8_e4m3fnuz": (2**-3, 240.0, -240.0, 2**-7),
    "float8_e5m2fnuz": (2**-2, 57344.0, -57344.0, 2**-15),
    "float8_e8m0fnu": (1.0, 2.0**127, 2.0**-127, 2.0**-127),
}

# The promoted dtype of every pair of the page's dtypes (row with column; the table is symmetric): the higher category
# wins (bool < integer < floating < complex), within a category the larger size; uint8 with int8 needs int16,
# float16 with bfloat16 needs float32, and a complex result holds a float64 operand's precision.
PROMOTIONS = """
           bool       uint8      int8       int16      int32      int64      float16    bfloat16   float32    float64    complex64  complex128
bool       bool       uint8      int8       int16      int32      int64      float16    bfloat16   float32    float64    complex64  complex128
uint8      uint8      uint8      int16      int16      int32      int64      float16    bfloat16   float32    float64    complex64  complex128
int8       int8       int16      int8       int16      int32      int64      float16    bfloat16   float32    float64    complex64  complex128
int16      int16      int16      int16      int16      int32      int64      float16    bfloat16   float32    float64    complex64  complex128
int32      int32      int32      int32      int32      int32      int64      float16    bfloat16   float32    float64    complex64  complex128
int64      int64      int64      int64      int64      int64      int64      float16    bfloat16   float32    float64    complex64  complex128
float16    float16    float16    float16    float16    float16    float16    float16    float32    float32    float64    complex64  complex128
bfloat16   bfloat16   bfloat16   bfloat16   bfloat16   bfloat16   bfloat16   float32    bfloat16   float32    float64    complex64  complex128
float32    float32    float32    float32    float32    float32    float32    float32    float32    float32    float64    complex64  complex128
float64    float64    float64    float64    float64    float64    float64    float64    float64    float64    float64    complex128 complex128
complex64  complex64  complex64  complex64  complex64  complex64  complex64  complex64  complex64  complex64  complex128 complex64  complex128
complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128
"""

# The result dtype of a dimensioned tensor (column) with a Python scalar or a zero-dim tensor (row; "0d-int8" is
# torch.tensor(7, dtype=torch.int8)), under the default float32.  An operand of the tensor's category or a lower one
# never changes its dtype; of a higher category, a Python scalar gives the default dtype (complex64 for a complex),
# a zero-dim tensor its own dtype.  A complex operand with a floating tensor gives that tensor's complex counterpart,
# even a complex128 zero-dim tensor with a float32 one: complex64, not the complex128 that the page's wording
# ("a type with sufficient size ... to hold all zero-dim tensor operands of that category") would give.
SCALAR_PROMOTIONS = """
              bool       uint8      int8       int32      float16    float32    float64    complex64
True          bool       uint8      int8       int32      float16    float32    float64    complex64
7             int64      uint8      int8       int32      float16    float32    float64    complex64
2.5           float32    float32    float32    float32    float16    float32    float64    complex64
2j            complex64  complex64  complex64  complex64  complex32  complex64  complex128 complex64
0d-bool       bool       uint8      int8       int32      float16    float32    float64    complex64
0d-int8       int8       uint8      int8       int32      float16    float32    float64    complex64
0d-int64      int64      uint8      int8       int32      float16    float32    float64    complex64
0d-float16    float16    float16    float16    float16    float16    float32    float64    complex64
0d-float64    float64    float64    float64    float64    float16    float32    float64    complex64
0d-complex128 complex128 complex128 complex128 complex128 complex32  complex64  complex128 complex64
"""

SCALAR_OPERANDS = {
    "True": lambda: True,
    "7": lambda: 7,
    "2.5": lambda: 2.5,
    "2j": lambda: 2j,
    "0d-bool": lambda: torch.tensor(True),
    "0d-int8": lambda: torch.tensor(7, dtype=torch.int8),
    "0d-int64": lambda: torch.tensor(7),
    "0d-float16": lambda: torch.tensor(2.5, dtype=torch.float16),
    "0d-float64": lambda: torch.tensor(2.5, dtype=torch.float64),
    "0d-complex128": lambda: torch.tensor(2j, dtype=torch.complex128),
}

# The page's category order: a result may be cast to a dtype of its own category or a higher one, never a lower one.
CATEGORY = {
    "bool": 0,
    "uint8": 1,
    "int8": 1,
    "int16": 1,
    "int32": 1,
    "int64": 1,
    "float16": 2,
    "bfloat16": 2,
    "float32": 2,
    "float64": 2,
    "complex64": 3,
    "complex128": 3,
}


def _grid(text: str) -> dict[tuple[str, str], str]:
    """A table written as text: (row name, column name) -> the cell."""
    header, *rows = text.strip().splitlines()
    columns = header.split()
    cells = {}
    for row in rows:
        name, *values = row.split()
        cells.update({(name, column): value for column, value in zip(columns, values, strict=True)})
    return cells


def _mismatches(expected: dict, actual) -> list[str]:
    """The cells where ``actual(row, column)`` (a dtype, or the exception it raised) is not the expected dtype."""
    wrong = []
    for (row, column), name in expected.items():
        try:
            got = actual(row, column)
        except (RuntimeError, TypeError) as error:
            got = f"{type(error).__name__}: {error}"
        if got != getattr(torch, name):
            wrong.append(f"{row} with {column}: expected torch.{name}, got {got}")
    return wrong


def _ones(dtype: torch.dtype, *shape: int) -> torch.Tensor:
    return torch.ones(shape, dtype=dtype)


@pytest.mark.doc("torch.dtype")
@pytest.mark.doc("torch.is_floating_point")
@pytest.mark.doc("torch.is_complex")
@pytest.mark.doc("torch.Tensor.is_signed")
@pytest.mark.parametrize(("name", "categories"), DTYPE_CATEGORIES)
def test_a_dtype_says_whether_it_is_floating_point_complex_or_signed(name, categories):
    """Each dtype of the page's tables reports is_floating_point, is_complex and is_signed, and so do its tensors."""
    dtype = getattr(torch, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex32 tensors warn that their support is experimental
        tensor = torch.empty(0, dtype=dtype)
    assert_equal((dtype.is_floating_point, dtype.is_complex, dtype.is_signed), categories, f"{name} categories")
    assert_equal(
        (torch.is_floating_point(tensor), torch.is_complex(tensor), tensor.is_signed()),
        categories,
        f"categories of a {name} tensor",
    )


@pytest.mark.doc("torch.finfo")
@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128"])
def test_finfo_gives_the_numbers_numpy_gives(name):
    """torch.finfo gives bits, eps, max, min, tiny, smallest_normal and resolution as numpy.finfo does (a complex
    dtype: those of its real and imaginary parts)."""
    info, expected = torch.finfo(getattr(torch, name)), np.finfo(getattr(np, name))
    floats = ("eps", "max", "min", "tiny", "smallest_normal")
    assert_equal(
        (info.bits, *(getattr(info, field) for field in floats)),
        (expected.bits, *(getattr(expected, field).item() for field in floats)),
        f"torch.finfo(torch.{name}): (bits, {', '.join(floats)})",
    )
    # numpy keeps resolution in the dtype itself (float16(0.001) is 0.0010004...); both are 10 ** -precision.
    assert_equal(info.resolution, 10.0**-expected.precision, f"torch.finfo(torch.{name}).resolution")
    assert_equal(info.dtype, str(expected.dtype), f"torch.finfo(torch.{name}).dtype")


@pytest.mark.doc("torch.finfo")
@pytest.mark.doc("tensor_attributes", "dtype-doc")
def test_finfo_of_bfloat16_follows_its_layout():
    """bfloat16 is S-E-M 1-8-7: eps 2**-7, float32's exponent range (tiny 2**-126), max (2 - 2**-7) * 2**127."""
    info = torch.finfo(torch.bfloat16)
    largest = (2 - 2**-7) * 2.0**127
    assert_equal(
        (info.bits, info.eps, info.max, info.min, info.tiny, info.smallest_normal, info.resolution),
        (16, 2**-7, largest, -largest, 2**-126, 2**-126, 0.01),
        "torch.finfo(torch.bfloat16): (bits, eps, max, min, tiny, smallest_normal, resolution)",
    )


@pytest.mark.doc("torch.finfo")
@pytest.mark.doc("tensor_attributes", "dtype-doc")
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("float8_e4m3fn", marks=FROM_2_1),
        pytest.param("float8_e5m2", marks=FROM_2_1),
        pytest.param("float8_e4m3fnuz", marks=pytest.mark.torch_version(">=2.2")),
        pytest.param("float8_e5m2fnuz", marks=pytest.mark.change("finfo-float8-e5m2fnuz-eps", side="after")),
        pytest.param("float8_e8m0fnu", marks=pytest.mark.torch_version(">=2.7")),
    ],
)
def test_finfo_of_float8_follows_its_layout(name):
    """A float8 dtype's finfo follows its S-E-M layout (FLOAT8_FINFO): eps is 2**-mantissa bits; the fn and fnuz kinds
    spend no codes on infinities; e8m0fnu is unsigned powers of two, so its min is its smallest positive value."""
    eps, largest, smallest, tiny = FLOAT8_FINFO[name]
    info = torch.finfo(getattr(torch, name))
    assert_equal(
        (info.bits, info.eps, info.max, info.min, info.tiny, info.smallest_normal, info.resolution),
        (8, eps, largest, smallest, tiny, tiny, 1.0),
        f"torch.finfo(torch.{name}): (bits, eps, max, min, tiny, smallest_normal, resolution)",
    )


@pytest.mark.doc("torch.finfo")
@pytest.mark.torch_version(">=2.2")
@pytest.mark.change("finfo-float8-e5m2fnuz-eps", side="before")
def test_finfo_of_float8_e5m2fnuz_gives_half_the_eps_its_bits_give():
    """torch.finfo(torch.float8_e5m2fnuz).eps is 2**-3, half the 2**-2 its two mantissa bits give."""
    assert_equal(torch.finfo(torch.float8_e5m2fnuz).eps, 2**-3, "torch.finfo(torch.float8_e5m2fnuz).eps")


# Beyond float8_e4m3fn's largest finite value, 448: 449 rounds down to it under either rule, 500, -1e9 and the
# infinities lie past the rounding boundary (464), and NaN stays NaN.
FLOAT8_E4M3FN_OVERFLOWS = [449.0, 500.0, -1e9, math.inf, -math.inf, math.nan]


@pytest.mark.doc("torch.Tensor.to")
@pytest.mark.change("float8-e4m3fn-cast-saturates", side="after")
def test_casting_to_float8_e4m3fn_saturates_at_its_largest_finite_value():
    """A cast to float8_e4m3fn saturates: a value beyond +-448, an infinity too, becomes +-448; NaN stays NaN."""
    cast = torch.tensor(FLOAT8_E4M3FN_OVERFLOWS).to(torch.float8_e4m3fn)
    assert_values_equal(cast.float(), torch.tensor([448.0, 448.0, -448.0, 448.0, -448.0, math.nan]))


@pytest.mark.doc("torch.Tensor.to")
@pytest.mark.torch_version(">=2.1")
@pytest.mark.change("float8-e4m3fn-cast-saturates", side="before")
def test_casting_to_float8_e4m3fn_turns_an_overflow_into_nan():
    """A cast to float8_e4m3fn turns a value that rounds beyond +-448, an infinity too, into NaN (it has no inf)."""
    cast = torch.tensor(FLOAT8_E4M3FN_OVERFLOWS).to(torch.float8_e4m3fn)
    assert_values_equal(cast.float(), torch.tensor([448.0, math.nan, math.nan, math.nan, math.nan, math.nan]))


@pytest.mark.doc("torch.iinfo")
@pytest.mark.parametrize(
    "name",
    [
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        pytest.param("uint16", marks=WIDE_UNSIGNED),
        pytest.param("uint32", marks=WIDE_UNSIGNED),
        pytest.param("uint64", marks=WIDE_UNSIGNED),
    ],
)
def test_iinfo_gives_the_numbers_numpy_gives(name):
    """torch.iinfo gives bits, max and min as numpy.iinfo does: 0 to 2**bits - 1 unsigned, -2**(bits-1) up signed."""
    info, expected = torch.iinfo(getattr(torch, name)), np.iinfo(getattr(np, name))
    assert_equal((info.bits, info.max, info.min), (expected.bits, int(expected.max), int(expected.min)), name)
    assert_equal(info.dtype, name, f"torch.iinfo(torch.{name}).dtype")


@pytest.mark.doc("torch.finfo")
@pytest.mark.doc("torch.iinfo")
def test_finfo_and_iinfo_refuse_the_other_kind_of_dtype():
    """torch.finfo takes only floating and complex dtypes, torch.iinfo only integer ones: bool is neither."""
    with pytest.raises(TypeError, match=r"torch.finfo\(\) requires a floating point input type"):
        torch.finfo(torch.int32)
    with pytest.raises(TypeError, match=r"torch.iinfo\(\) requires an integer input type"):
        torch.iinfo(torch.float32)
    with pytest.raises(TypeError, match=r"torch\.bool is not supported by torch\.iinfo"):
        torch.iinfo(torch.bool)
    with pytest.raises(TypeError, match=r"torch.finfo\(\) requires a floating point input type"):
        torch.finfo(torch.bool)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.doc("torch.promote_types")
@pytest.mark.doc("torch.result_type")
@pytest.mark.parametrize(
    "promoted",
    [
        pytest.param(lambda left, right: torch.promote_types(left, right), id="promote_types"),
        pytest.param(lambda left, right: torch.result_type(_ones(left, 2, 3), _ones(right, 3)), id="result_type"),
        pytest.param(lambda left, right: (_ones(left, 2, 3) + _ones(right, 3)).dtype, id="add"),
        pytest.param(lambda left, right: (_ones(left, 3) * _ones(right, 2, 3)).dtype, id="mul"),
        pytest.param(lambda left, right: torch.result_type(_ones(left), _ones(right)), id="zero-dim-tensors"),
    ],
)
def test_every_pair_of_dtypes_promotes_by_the_table(promoted):
    """Two tensors of the same dimension category (both dimensioned, or both zero-dim) combine in the dtype the
    PROMOTIONS table gives, in either order: promote_types, result_type and the arithmetic operators agree."""
    wrong = _mismatches(_grid(PROMOTIONS), lambda left, right: promoted(getattr(torch, left), getattr(torch, right)))
    assert not wrong, "\n".join(wrong)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.doc("torch.result_type")
@pytest.mark.parametrize(
    "promoted",
    [
        pytest.param(lambda tensor, operand: torch.result_type(tensor, operand), id="result_type"),
        pytest.param(lambda tensor, operand: (tensor + operand).dtype, id="add"),
        pytest.param(lambda tensor, operand: (operand * tensor).dtype, id="mul"),
    ],
)
def test_scalars_and_zero_dim_tensors_change_the_dtype_only_from_a_higher_category(promoted):
    """A Python scalar or zero-dim tensor of the same or a lower category never widens a dimensioned tensor's dtype;
    of a higher category it decides it, as the SCALAR_PROMOTIONS table gives."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex32 results warn that their support is experimental
        wrong = _mismatches(
            _grid(SCALAR_PROMOTIONS),
            lambda operand, tensor: promoted(_ones(getattr(torch, tensor), 2, 3), SCALAR_OPERANDS[operand]()),
        )
    assert not wrong, "\n".join(wrong)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.doc("torch.add")
def test_python_scalars_alone_are_int64_or_the_default_dtype():
    """With no tensor operand, a Python int counts as int64 and a Python float as the default dtype: torch.add(5, 5)
    is an int64 tensor, torch.add(5, 2.5) a float32 one, or float64 under that default."""
    assert_dtype(torch.add(5, 5), torch.int64)
    assert_dtype(torch.add(5, 2.5), torch.float32)
    with default_dtype(torch.float64):
        assert_dtype(torch.add(5, 2.5), torch.float64)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_a_python_complex_scalar_takes_the_complex_counterpart_of_the_default_dtype():
    """A Python complex with an integer tensor is complex64 under the default float32 and complex128 under float64;
    with a floating tensor the tensor's own precision decides, whatever the default."""
    with default_dtype(torch.float64):
        assert_dtype(torch.tensor([1, 2]) + 2j, torch.complex128)
        assert_dtype(torch.ones(2, dtype=torch.float32) + 2j, torch.complex64)
    assert_dtype(torch.tensor([1, 2]) + 2j, torch.complex64)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.change("bfloat16-complex-promotes-to-bcomplex32", side="before")
def test_a_complex_scalar_with_a_bfloat16_tensor_gives_complex64():
    """A complex Python scalar or zero-dim tensor with a bfloat16 tensor gives complex64."""
    bfloat16 = torch.ones(2, dtype=torch.bfloat16)
    assert_dtype(bfloat16 + 2j, torch.complex64)
    assert_equal(torch.result_type(bfloat16, torch.tensor(2j, dtype=torch.complex128)), torch.complex64, "result_type")


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.change("bfloat16-complex-promotes-to-bcomplex32", side="after")
def test_a_complex_scalar_with_a_bfloat16_tensor_gives_the_shell_dtype_bcomplex32():
    """A complex scalar with a bfloat16 tensor promotes to the shell dtype bcomplex32, which add does not
    implement: bfloat16_tensor + 2j raises."""
    bfloat16 = torch.ones(2, dtype=torch.bfloat16)
    assert_equal(torch.result_type(bfloat16, 2j), torch.bcomplex32, "result_type(bfloat16 tensor, 2j)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bcomplex32 results warn that their support is experimental
        with pytest.raises(RuntimeError, match="not implemented for 'BComplex32'"):
            bfloat16 + 2j


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.doc("torch.can_cast")
def test_can_cast_refuses_only_a_cast_to_a_lower_category():
    """torch.can_cast(from, to) is True for every pair except a cast to a lower category (bool < integer < floating <
    complex): a narrower dtype of the same category is allowed."""
    answers = {
        (source, target): torch.can_cast(getattr(torch, source), getattr(torch, target))
        for source in CATEGORY
        for target in CATEGORY
    }
    wrong = [
        f"can_cast({source}, {target}) is {answer}"
        for (source, target), answer in answers.items()
        if answer != (CATEGORY[source] <= CATEGORY[target])
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_an_in_place_op_keeps_its_dtype_unless_the_result_is_of_a_higher_category():
    """tensor.mul_(other) for every pair of the page's dtypes: the result is cast to the tensor's dtype when other is
    of the same or a lower category, and refused (the tensor left unchanged) when other is of a higher one."""
    wrong = []
    for target in CATEGORY:
        for source in CATEGORY:
            tensor = torch.tensor([3, 2]).to(getattr(torch, target))
            try:
                tensor.mul_(torch.tensor([1, 0]).to(getattr(torch, source)))
                refused = False
            except RuntimeError as error:
                refused = "can't be cast to the desired output type" in str(error)
            expected = torch.tensor([3, 2] if refused else [3, 0]).to(getattr(torch, target))
            if refused != (CATEGORY[source] > CATEGORY[target]) or tensor.dtype != expected.dtype:
                wrong.append(f"{target}.mul_({source}): refused={refused}, dtype {tensor.dtype}")
            elif not torch.equal(tensor, expected):
                wrong.append(f"{target}.mul_({source}): {tensor.tolist()}, expected {expected.tolist()}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.parametrize(
    ("target", "other"),
    [
        ("float32", "float32"),
        ("float32", "int32"),
        ("float32", "uint8"),
        ("float32", "bool"),
        ("float32", "float64"),
        ("int32", "int64"),
        ("int32", "uint8"),
        ("uint8", "int32"),
    ],
)
def test_an_out_tensor_takes_a_result_of_its_own_or_a_lower_category(target, other):
    """The page's allowed casts, with out=: torch.mul(a, b, out=c) casts the result to c's dtype, narrower or not."""
    out = torch.zeros(2, dtype=getattr(torch, target))
    torch.mul(torch.tensor([3, 2]).to(getattr(torch, target)), torch.tensor([1, 0]).to(getattr(torch, other)), out=out)
    assert_dtype(out, getattr(torch, target))
    assert_values_equal(out, torch.tensor([3, 0]).to(getattr(torch, target)))


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.parametrize(
    ("target", "other", "result_name", "target_name"),
    [
        ("int32", "float32", "Float", "Int"),
        ("bool", "int32", "Int", "Bool"),
        ("bool", "uint8", "Byte", "Bool"),
        ("float32", "complex64", "ComplexFloat", "Float"),
    ],
)
def test_an_out_tensor_refuses_a_result_of_a_higher_category(target, other, result_name, target_name):
    """The page's disallowed casts, with out=: an integer out refuses a floating result, a bool out a non-bool one,
    a non-complex out a complex one; the out tensor is left as it was."""
    out = torch.zeros(2, dtype=getattr(torch, target))
    with pytest.raises(
        RuntimeError, match=f"result type {result_name} can't be cast to the desired output type {target_name}"
    ):
        torch.mul(
            torch.tensor([3, 1]).to(getattr(torch, target)), torch.tensor([2, 1]).to(getattr(torch, other)), out=out
        )
    assert_values_equal(out, torch.zeros(2, dtype=getattr(torch, target)))


def _assert_raises_not_implemented_error(call, message: str) -> None:
    __tracebackhide__ = True
    with pytest.raises(NotImplementedError, match=re.escape(message)) as raised:
        call()
    assert isinstance(raised.value, RuntimeError), (
        "NotImplementedError is a RuntimeError: except RuntimeError catches it"
    )


def _assert_raises_type_error(call, message: str) -> None:
    __tracebackhide__ = True
    with pytest.raises(TypeError, match=re.escape(message)) as raised:
        call()
    assert not isinstance(raised.value, RuntimeError), "TypeError is not a RuntimeError: except RuntimeError misses it"


def _assert_raises_a_plain_runtime_error(call, message: str) -> None:
    __tracebackhide__ = True
    with pytest.raises(RuntimeError, match=re.escape(message)) as raised:
        call()
    assert_equal(type(raised.value), RuntimeError, "the exception's type")


# Calls on a dtype the operator has no kernel for, each with the kernel's name as the message gives it.
NO_KERNEL_FOR_THE_DTYPE = [
    pytest.param(
        lambda: torch.nn.functional.hardshrink(torch.tensor([1, -2, 3])),
        "\"hardshrink_cpu\" not implemented for 'Long'",
        id="hardshrink-int64",
        marks=pytest.mark.doc("torch.nn.functional.hardshrink"),
    ),
    pytest.param(
        lambda: torch.linalg.det(torch.tensor([[2.0, 1.0], [0.5, 3.0]], dtype=torch.bfloat16)),
        "\"lu_cpu\" not implemented for 'BFloat16'",
        id="det-bfloat16",
        marks=pytest.mark.doc("torch.linalg.det"),
    ),
]


@pytest.mark.parametrize(("call", "message"), NO_KERNEL_FOR_THE_DTYPE)
@pytest.mark.change("dtype-not-implemented-raises-not-implemented-error", side="after")
def test_an_op_without_a_kernel_for_the_dtype_raises_not_implemented_error(call, message):
    """An operator called on a dtype it has no kernel for raises NotImplementedError, which is a RuntimeError."""
    _assert_raises_not_implemented_error(call, message)


@pytest.mark.parametrize(("call", "message"), NO_KERNEL_FOR_THE_DTYPE)
@pytest.mark.change("dtype-not-implemented-raises-not-implemented-error", side="before")
def test_an_op_without_a_kernel_for_the_dtype_raises_a_plain_runtime_error(call, message):
    """An operator called on a dtype it has no kernel for raises a plain RuntimeError, not NotImplementedError."""
    _assert_raises_a_plain_runtime_error(call, message)


# Calls an op makes on a dtype it is undefined for: a real tensor where it needs a complex one, and the reverse.
# argmax and sort of a complex tensor have checked for it, with these messages, from 2.9; before, the dispatch refused
# the dtype (and sort raised ValueError on 2.7 and 2.8).
ORDER_CHECKS = pytest.mark.torch_version(">=2.9")
UNDEFINED_FOR_THE_DTYPE = [
    pytest.param(
        lambda: torch.view_as_real(torch.tensor([1.5, -2.0])),
        "view_as_real is only supported for complex tensors",
        id="view-as-real-of-real",
        marks=pytest.mark.doc("torch.view_as_real"),
    ),
    pytest.param(
        lambda: torch.imag(torch.tensor([1.5, -2.0])),
        "imag is not implemented for tensors with non-complex dtypes",
        id="imag-of-real",
        marks=pytest.mark.doc("torch.imag"),
    ),
    pytest.param(
        lambda: torch.argmax(torch.tensor([1 + 2j, -3 + 0.5j])),
        "argmax(): does not support complex input",
        id="argmax-of-complex",
        marks=[pytest.mark.doc("torch.argmax"), ORDER_CHECKS],
    ),
    pytest.param(
        lambda: torch.sort(torch.tensor([1 + 2j, -3 + 0.5j])),
        "Sort does not support complex dtypes",
        id="sort-of-complex",
        marks=[pytest.mark.doc("torch.sort"), ORDER_CHECKS],
    ),
]


@pytest.mark.parametrize(("call", "message"), UNDEFINED_FOR_THE_DTYPE)
@pytest.mark.change("complex-dtype-checks-raise-type-error", side="after")
def test_an_op_undefined_for_a_real_or_complex_dtype_raises_type_error(call, message):
    """An op undefined for the dtype it gets (imag of a real tensor, argmax of a complex one) raises TypeError."""
    _assert_raises_type_error(call, message)


@pytest.mark.parametrize(("call", "message"), UNDEFINED_FOR_THE_DTYPE)
@pytest.mark.change("complex-dtype-checks-raise-type-error", side="before")
def test_an_op_undefined_for_a_real_or_complex_dtype_raises_runtime_error(call, message):
    """An op undefined for the dtype it gets (imag of a real tensor, argmax of a complex one) raises RuntimeError."""
    _assert_raises_a_plain_runtime_error(call, message)


# Calls on bool tensors, and half-precision FFTs on the CPU, that no kernel implements.
BOOL_AND_HALF_FFT_WITHOUT_A_KERNEL = [
    pytest.param(
        lambda: torch.neg(torch.tensor([True, False])),
        "Negation, the `-` operator, on a bool tensor is not supported. "
        "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
        id="neg-bool",
        marks=pytest.mark.doc("torch.neg"),
    ),
    pytest.param(
        lambda: torch.sub(torch.tensor([True, False]), torch.tensor([False, False])),
        "Subtraction, the `-` operator, with two bool tensors is not supported. "
        "Use the `^` or `logical_xor()` operator instead.",
        id="sub-bool",
        marks=pytest.mark.doc("torch.sub"),
    ),
    pytest.param(
        lambda: torch.fft.fft(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float16)),
        "Unsupported dtype Half",
        id="fft-float16",
        marks=pytest.mark.doc("torch.fft.fft"),
    ),
    pytest.param(
        lambda: torch.fft.fft(torch.tensor([1.0, -2.0, 0.5, 4.0], dtype=torch.bfloat16)),
        "Unsupported dtype BFloat16",
        id="fft-bfloat16",
        marks=pytest.mark.doc("torch.fft.fft"),
    ),
]


@pytest.mark.parametrize(("call", "message"), BOOL_AND_HALF_FFT_WITHOUT_A_KERNEL)
@pytest.mark.change("bool-and-fft-dtype-checks-raise-not-implemented-error", side="after")
def test_bool_negation_and_a_half_precision_fft_raise_not_implemented_error(call, message):
    """Negating or subtracting bool tensors, or a CPU FFT of float16 or bfloat16, raises NotImplementedError."""
    _assert_raises_not_implemented_error(call, message)


@pytest.mark.parametrize(("call", "message"), BOOL_AND_HALF_FFT_WITHOUT_A_KERNEL)
@pytest.mark.change("bool-and-fft-dtype-checks-raise-not-implemented-error", side="before")
def test_bool_negation_and_a_half_precision_fft_raise_a_plain_runtime_error(call, message):
    """Negating or subtracting bool tensors, or a CPU FFT of float16 or bfloat16, raises a plain RuntimeError."""
    _assert_raises_a_plain_runtime_error(call, message)


# Calls that take only floating-point or complex tensors, given integer ones.
INTEGERS_WITHOUT_A_KERNEL = [
    pytest.param(
        lambda: torch.mean(torch.tensor([1, -2, 4])),
        "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
        id="mean-int64",
        marks=pytest.mark.doc("torch.mean"),
    ),
    pytest.param(
        lambda: torch.var(torch.tensor([1, -2, 4])),
        "std and var only support floating point and complex dtypes",
        id="var-int64",
        marks=pytest.mark.doc("torch.var"),
    ),
    pytest.param(
        lambda: torch.linalg.inv(torch.tensor([[2, 1], [0, 3]])),
        "linalg.inv: Expected a floating point or complex tensor as input. Got Long",
        id="linalg-inv-int64",
        marks=pytest.mark.doc("torch.linalg.inv"),
    ),
    pytest.param(
        lambda: torch.complex(torch.tensor([1, -2]), torch.tensor([3, 0])),
        "Expected both inputs to be Half, Float or Double tensors but got Long and Long",
        id="complex-of-int64",
        marks=pytest.mark.doc("torch.complex"),
    ),
]


@pytest.mark.parametrize(("call", "message"), INTEGERS_WITHOUT_A_KERNEL)
@pytest.mark.change("integer-reductions-and-linalg-raise-not-implemented-error", side="after")
def test_mean_var_linalg_and_complex_of_integers_raise_not_implemented_error(call, message):
    """mean or var of an integer tensor, linalg.inv of an integer matrix, complex of integer parts: NotImplementedError."""
    _assert_raises_not_implemented_error(call, message)


@pytest.mark.parametrize(("call", "message"), INTEGERS_WITHOUT_A_KERNEL)
@pytest.mark.change("integer-reductions-and-linalg-raise-not-implemented-error", side="before")
def test_mean_var_linalg_and_complex_of_integers_raise_a_plain_runtime_error(call, message):
    """mean or var of an integer tensor, linalg.inv of an integer matrix, complex of integer parts: plain RuntimeError."""
    _assert_raises_a_plain_runtime_error(call, message)


# FFT calls given the wrong kind of input: a complex signal where a real one is transformed, and the reverse.
WRONG_KIND_OF_FFT_INPUT = [
    pytest.param(
        lambda: torch.fft.rfft(torch.tensor([1 + 2j, -3 + 0.5j, 2 - 1j])),
        "rfft expects a real input tensor, but got ComplexFloat",
        id="rfft-of-complex",
        marks=pytest.mark.doc("torch.fft.rfft"),
    ),
    pytest.param(
        lambda: torch.istft(torch.ones(5, 3), n_fft=8, window=torch.ones(8)),
        "istft requires a complex-valued input tensor matching the output from stft with return_complex=True.",
        id="istft-of-real",
        marks=pytest.mark.doc("torch.istft"),
    ),
]


@pytest.mark.parametrize(("call", "message"), WRONG_KIND_OF_FFT_INPUT)
@pytest.mark.change("fft-domain-checks-raise-type-error", side="after")
def test_rfft_of_a_complex_or_istft_of_a_real_tensor_raises_type_error(call, message):
    """torch.fft.rfft of a complex tensor, and torch.istft of a real one, raise TypeError, not a RuntimeError."""
    _assert_raises_type_error(call, message)


@pytest.mark.parametrize(("call", "message"), WRONG_KIND_OF_FFT_INPUT)
@pytest.mark.change("fft-domain-checks-raise-type-error", side="before")
def test_rfft_of_a_complex_or_istft_of_a_real_tensor_raises_runtime_error(call, message):
    """torch.fft.rfft of a complex tensor, and torch.istft of a real one, raise a plain RuntimeError."""
    _assert_raises_a_plain_runtime_error(call, message)


# The float8 dtypes that spend no codes on infinities, with the name their kernels' messages give them.
FLOAT8_WITHOUT_INFINITY = {
    "float8_e4m3fn": "Float8_e4m3fn",
    "float8_e4m3fnuz": "Float8_e4m3fnuz",
    "float8_e5m2fnuz": "Float8_e5m2fnuz",
}


@pytest.mark.doc("torch.isinf")
@pytest.mark.doc("torch.isfinite")
@pytest.mark.parametrize("name", FLOAT8_WITHOUT_INFINITY)
@pytest.mark.change("isinf-isfinite-float8-without-infinity", side="after")
def test_isinf_and_isfinite_of_a_float8_without_infinity(name):
    """isinf of a float8 dtype without infinities is False everywhere; isfinite is True except at NaN."""
    values = torch.tensor([-2.5, 0.0, 1.5, math.nan]).to(getattr(torch, name))
    assert_values_equal(torch.isinf(values), torch.tensor([False, False, False, False]))
    assert_values_equal(torch.isfinite(values), torch.tensor([True, True, True, False]))


@pytest.mark.doc("torch.isinf")
@pytest.mark.doc("torch.isfinite")
@pytest.mark.torch_version(">=2.2")
@pytest.mark.parametrize("operation", ["isinf", "isfinite"])
@pytest.mark.parametrize(("name", "scalar_type"), FLOAT8_WITHOUT_INFINITY.items())
@pytest.mark.change("isinf-isfinite-float8-without-infinity", side="before")
def test_isinf_and_isfinite_refuse_a_float8_without_infinity(operation, name, scalar_type):
    """isinf and isfinite of a float8 dtype without infinities raise that they are not implemented for it."""
    values = torch.tensor([-2.5, 0.0, 1.5, math.nan]).to(getattr(torch, name))
    with pytest.raises(RuntimeError, match=re.escape(f"\"{operation}\" not implemented for '{scalar_type}'")):
        getattr(torch, operation)(values)


@pytest.mark.doc("torch.isfinite")
@pytest.mark.change("isfinite-float8-e8m0fnu-nan", side="after")
def test_isfinite_of_float8_e8m0fnu_is_false_at_nan():
    """isfinite of a float8_e8m0fnu tensor is False at NaN and True at its finite powers of two."""
    values = torch.tensor([0.5, math.nan, 4.0]).to(torch.float8_e8m0fnu)
    assert_values_equal(torch.isnan(values), torch.tensor([False, True, False]))
    assert_values_equal(torch.isfinite(values), torch.tensor([True, False, True]))


@pytest.mark.doc("torch.isfinite")
@pytest.mark.torch_version(">=2.7")
@pytest.mark.change("isfinite-float8-e8m0fnu-nan", side="before")
def test_isfinite_of_float8_e8m0fnu_is_true_even_at_nan():
    """isfinite of a float8_e8m0fnu tensor is True everywhere, at NaN too, though isnan finds the NaN."""
    values = torch.tensor([0.5, math.nan, 4.0]).to(torch.float8_e8m0fnu)
    assert_values_equal(torch.isnan(values), torch.tensor([False, True, False]))
    assert_values_equal(torch.isfinite(values), torch.tensor([True, True, True]))
