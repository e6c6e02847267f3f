"""The assertion helpers pass on what they promise and fail, with a precise message, on what they do not."""

import numpy as np
import pytest
import torch

from torchspecs.assertions import (
    assert_aliased,
    assert_close,
    assert_distinct_storage,
    assert_dtype,
    assert_equal,
    assert_independent,
    assert_is_copy_of,
    assert_is_view_of,
    assert_not_view,
    assert_same_object,
    assert_shape,
    assert_shares_storage,
    assert_strides,
    assert_values_equal,
    describe,
)


def test_is_view_of_passes_for_a_view_of_a_view_and_leaves_values_unchanged():
    base = torch.arange(12.0).reshape(3, 4)
    before = base.clone()
    assert_is_view_of(base, base.t()[1:])
    assert torch.equal(base, before)


def test_is_view_of_fails_on_a_copy():
    base = torch.arange(6.0)
    with pytest.raises(AssertionError, match=r"expected a view of the base, but the result is not a view"):
        assert_is_view_of(base, base.clone())


def test_is_view_of_fails_on_a_view_of_another_tensor():
    base = torch.arange(6.0).reshape(2, 3)
    with pytest.raises(AssertionError, match=r"but the result is a view of another tensor"):
        assert_is_view_of(base, base.t().contiguous().view(6))


def test_is_view_of_fails_when_writes_do_not_show(monkeypatch):
    base = torch.arange(6.0)
    view = base[:3]
    monkeypatch.setattr("torchspecs.assertions._write_probe", lambda target, observed: False)
    with pytest.raises(AssertionError, match=r"a write through the view to be seen in the base"):
        assert_is_view_of(base, view)


def test_shares_storage_fails_with_both_layouts_in_the_message():
    with pytest.raises(
        AssertionError, match=r"(?s)expected a and b to share storage.*a: tensor\(shape=\(3,\).*b: tensor"
    ):
        assert_shares_storage(torch.zeros(3), torch.zeros(3))


def test_distinct_storage_fails_on_a_view():
    base = torch.zeros(3)
    with pytest.raises(AssertionError, match=r"expected a and b to have separate storage, but they share it"):
        assert_distinct_storage(base, base[1:])


def test_aliased_fails_on_independent_tensors():
    with pytest.raises(AssertionError, match=r"expected a write into the derived tensor to be seen in its source"):
        assert_aliased(torch.zeros(3), torch.zeros(3))


def test_aliased_works_between_arrays_and_tensors_and_restores_values():
    array = np.zeros(3)
    tensor = torch.from_numpy(array)
    assert_aliased(array, tensor)
    assert_aliased(tensor, array)
    assert not array.any()


def test_aliased_handles_nan_and_expanded_tensors():
    source = torch.tensor([[float("nan"), 1.0]])
    assert_aliased(source, source.expand(3, 2))
    assert bool(source[0, 0].isnan())


def test_independent_fails_on_shared_storage():
    base = torch.zeros(3)
    with pytest.raises(AssertionError, match=r"separate storage"):
        assert_independent(base, base[:2])


def test_independent_fails_when_a_write_crosses_over(monkeypatch):
    array = np.zeros(3)
    monkeypatch.setattr("torchspecs.assertions.assert_distinct_storage", lambda a, b: None)
    with pytest.raises(AssertionError, match=r"expected independent tensors, but a write into a changed b"):
        assert_independent(torch.from_numpy(array), array)


def test_not_view_fails_on_a_view():
    base = torch.zeros(2, 3)
    with pytest.raises(AssertionError, match=r"expected a new tensor, but the result is a view of the base"):
        assert_not_view(base, base[0])


def test_is_copy_of_fails_on_different_values_and_on_aliases():
    source = torch.arange(3.0)
    with pytest.raises(AssertionError, match=r"expected values"):
        assert_is_copy_of(source, source + 1)
    with pytest.raises(AssertionError, match=r"separate storage"):
        assert_is_copy_of(source, source.view(3))


def test_values_equal_reports_shape_and_values():
    with pytest.raises(AssertionError, match=r"expected shape \(3,\), but got \(2,\)"):
        assert_values_equal(torch.zeros(2), torch.zeros(3))
    assert_values_equal(torch.tensor([float("nan")]), torch.tensor([float("nan")]))


def test_same_object_strides_and_dtype_messages():
    tensor = torch.zeros(2, 3)
    with pytest.raises(AssertionError, match=r"expected clone\(\) to return its input object itself"):
        assert_same_object(tensor.clone(), tensor, "clone()")
    with pytest.raises(AssertionError, match=r"expected strides \(1, 2\), but got \(3, 1\)"):
        assert_strides(tensor, (1, 2))
    with pytest.raises(AssertionError, match=r"expected dtype torch.int64, but got torch.float32"):
        assert_dtype(tensor, torch.int64)


def test_describe_names_layout_of_tensors_and_arrays():
    assert "stride=(1, 2)" in describe(torch.zeros(3, 2).t())
    assert "strides=(8,)" in describe(np.zeros(2))
    assert describe(3) == "3"


def test_helpers_hide_their_frames(pytester):
    pytester.makepyfile(
        """
        import torch
        from torchspecs.assertions import assert_shares_storage

        def test_it():
            assert_shares_storage(torch.zeros(1), torch.zeros(1))
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    assert "def assert_shares_storage" not in result.stdout.str()


def test_shape_fails_with_both_shapes():
    with pytest.raises(AssertionError, match=r"expected shape \(2, 3\), but got \(3, 2\)"):
        assert_shape(torch.zeros(3, 2), (2, 3))
    assert_shape(np.zeros((2, 3)), (2, 3))


def test_equal_names_the_value_and_shows_both_sides():
    with pytest.raises(AssertionError, match=r"expected the dtype to be torch.int64, but got torch.float32"):
        assert_equal(torch.float32, torch.int64, "the dtype")
    assert_equal("torch.FloatTensor", "torch.FloatTensor", "type()")


def test_close_allows_rounding_and_reports_a_mismatch_with_both_tensors():
    assert_close(torch.tensor([0.1 + 0.2]), torch.tensor([0.3]))
    with pytest.raises(AssertionError, match=r"(?s)Tensor-likes are not close.*expected values.*but got"):
        assert_close(torch.tensor([1.0]), torch.tensor([1.1]))
    with pytest.raises(AssertionError, match=r"expected shape \(2,\), but got \(1,\)"):
        assert_close(torch.tensor([1.0]), torch.tensor([1.0, 1.0]))


def test_values_equal_accepts_numpy_scalars():
    assert_values_equal(torch.tensor(0.0), np.float32(0.0))
    with pytest.raises(AssertionError, match="expected values"):
        assert_values_equal(torch.tensor(1.0), np.float32(0.0))
