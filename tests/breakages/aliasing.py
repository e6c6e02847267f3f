"""Breakages of the aliasing area: view ops that copy, copying ops that alias, constructors that share."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from .core import (
    Breakage,
    ChangeBreakage,
    Tensor,
    copying,
    deleting,
    function,
    legacy,
    legacy_keeps_python_types,
    method,
    returning_self,
    setting,
)


def _aliasing_flat(original):
    """Read the storage as if it were contiguous: a view of the input, with the wrong values when it is not."""

    def flat(self, *args, **kwargs):
        return self.as_strided((self.numel(),), (1,), self.storage_offset())

    return flat


def _aliasing_reshape(original):
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        target = torch.empty(self.numel()).view(shape).shape
        return self.as_strided(target, torch.empty(target).stride(), self.storage_offset())

    return reshape


def _shape_ignoring(original):
    return lambda self, *shape: original(self, self.shape)


def _refusing_minus_one(original):
    def view(self, *shape):
        flat = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        if isinstance(flat, tuple | list) and -1 in flat:
            raise RuntimeError("broken view: -1 is not accepted")
        return original(self, *shape)

    return view


def _expand_by_repeat(original):
    def expand(self, *sizes):
        return original(self, *sizes).clone()

    return expand


def _repeat_by_expand(original):
    def repeat(self, *repeats):
        repeats = repeats[0] if len(repeats) == 1 and not isinstance(repeats[0], int) else repeats
        padded = self.reshape((1,) * (len(repeats) - self.dim()) + tuple(self.shape))
        return padded.expand(*[count * side for count, side in zip(repeats, padded.shape, strict=True)])

    return repeat


def _narrowing_index_select(original):
    return lambda self, dim, index: self.narrow(dim, 0, len(index))


def _in_place_mul(original):
    return lambda self, other: self.mul_(other)


def _copying_from_numpy(original):
    return lambda array: original(array.copy())


def _copying_numpy(original):
    return lambda self, *args, **kwargs: original(self, *args, **kwargs).copy()


def _copying_as_tensor(original):
    return lambda data, dtype=None, device=None: original(data, dtype=dtype).clone()


def _dtype_ignoring_as_tensor(original):
    return lambda data, dtype=None, device=None: original(data)


def _sharing_tensor(original):
    return lambda data, **kwargs: torch.as_tensor(data, **{k: v for k, v in kwargs.items() if k in ("dtype", "device")})


def _floating_tensor(original):
    return lambda data, **kwargs: original(data, **kwargs).to(torch.get_default_dtype())


def _graph_keeping_tensor(original):
    return lambda data, **kwargs: data.clone() if isinstance(data, Tensor) else original(data, **kwargs)


def _legacy_copies_tensors(original_new, cls, data):
    return original_new(cls, data.clone()) if isinstance(data, Tensor) else original_new(cls, data)


def _legacy_copies_arrays(original_new, cls, data):
    return original_new(cls, data.copy()) if isinstance(data, np.ndarray) else original_new(cls, data)


def _legacy_shares_arrays(original_new, cls, data):
    return torch.from_numpy(data) if isinstance(data, np.ndarray) else original_new(cls, data)


_LIST_CACHE: dict = {}


def _legacy_caches_lists(original_new, cls, data):
    if isinstance(data, list):
        return _LIST_CACHE.setdefault(tuple(data), original_new(cls, data))
    return original_new(cls, data)


def _graph_keeping_detach(original):
    return lambda self: self.view_as(self)


def _copying_getitem(original):
    return lambda self, index: original(self, index).clone()


def _copying_property(original):
    return property(lambda self: original.__get__(self, type(self)).clone())


def _copying_pieces(original):
    return lambda self, *args, **kwargs: tuple(piece.clone() for piece in original(self, *args, **kwargs))


def _aliasing_reshape_as(original):
    def reshape_as(self, other):
        return self.as_strided(other.shape, torch.empty(other.shape).stride(), self.storage_offset())

    return reshape_as


def _hidden(name: str):
    """A breakage that hides torch.Tensor.<name> (defined in C, so it cannot be deleted), as a release without it would."""

    class Hidden:
        def __get__(self, instance, owner=None):
            raise AttributeError(f"broken: torch.Tensor has no attribute {name!r}")

    return lambda monkeypatch: monkeypatch.setattr(Tensor, name, Hidden(), raising=False)


def _setitem_through_getitem(original):
    """Assignment that writes into what indexing returns: lost where that is an advanced index's copy."""

    def setitem(self, index, value):
        self[index].copy_(torch.as_tensor(value, dtype=self.dtype))

    return setitem


VIEW_FILE = "specs/aliasing/test_view_and_reshape.py"
FLATTEN_FILE = "specs/aliasing/test_contiguous_and_flatten.py"
EXPAND_FILE = "specs/aliasing/test_expand_and_repeat.py"
OPS_FILE = "specs/aliasing/test_view_ops.py"
CONSTRUCTION_FILE = "specs/aliasing/test_construction.py"
DETACH_FILE = "specs/aliasing/test_detach.py"
TRANSFER_FILE = "specs/aliasing/test_device_transfer.py"


def _swapping_data_only(first, second):
    """A swap_tensors that exchanges the two tensors' data but leaves their classes and attributes where they were."""
    first_data = first.data
    first.data = second.data
    second.data = first_data


def _refusing_leaves_that_require_grad(original):
    """A swap_tensors that refuses any leaf requiring grad, as if a graph's AccumulateGrad node always held one."""

    def swap(first, second):
        for tensor in (first, second):
            if tensor.requires_grad and tensor.grad_fn is None:
                raise RuntimeError("Expected single reference to a's Tensor object but got 2")
        return original(first, second)

    return swap


def _tensor_advising(order: str):
    """torch.tensor whose copy-construct warning recommends ``sourceTensor.<order>``, as the other releases' does."""

    def make(original):
        def tensor(data, *args, **kwargs):
            if not isinstance(data, torch.Tensor):
                return original(data, *args, **kwargs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                made = original(data, *args, **kwargs)
            warnings.warn(
                f"To copy construct from a tensor, it is recommended to use sourceTensor.{order} or "
                f"sourceTensor.{order}.requires_grad_(True), rather than torch.tensor(sourceTensor).",
                UserWarning,
                stacklevel=2,
            )
            return made

        return tensor

    return make


BREAKAGES: dict[str, Breakage] = {
    "view-copies": Breakage(method("view", copying), VIEW_FILE, ("test_view_of_contiguous_tensor_shares_its_memory",)),
    "view-never-refuses": Breakage(
        method("view", lambda original: Tensor.reshape),
        VIEW_FILE,
        (
            "test_view_succeeds_exactly_when_the_documented_stride_condition_holds",
            "test_view_of_transposed_tensor_raises_and_points_to_reshape",
        ),
    ),
    "view-ignores-shape": Breakage(
        method("view", _shape_ignoring),
        VIEW_FILE,
        ("test_view_infers_one_minus_one_dimension", "test_view_to_a_different_element_count_raises"),
    ),
    "view-refuses-minus-one": Breakage(
        method("view", _refusing_minus_one), VIEW_FILE, ("test_view_infers_one_minus_one_dimension",)
    ),
    "reshape-always-copies": Breakage(
        method("reshape", copying), VIEW_FILE, ("test_reshape_is_a_view_when_strides_allow",)
    ),
    "reshape-always-aliases": Breakage(
        method("reshape", _aliasing_reshape),
        VIEW_FILE,
        ("test_reshape_copies_when_strides_do_not_allow_a_view", "test_reshape_reads_elements_in_row_major_order"),
    ),
    "contiguous-always-copies": Breakage(
        method("contiguous", copying),
        FLATTEN_FILE,
        ("test_contiguous_returns_the_tensor_itself_when_already_contiguous",),
    ),
    "contiguous-never-copies": Breakage(
        method("contiguous", lambda original: lambda self, *args, **kwargs: self),
        FLATTEN_FILE,
        ("test_contiguous_copies_a_non_contiguous_tensor",),
    ),
    "flatten-always-copies": Breakage(
        method("flatten", copying),
        FLATTEN_FILE,
        (
            "test_flatten_of_a_one_dimensional_tensor_returns_the_input_object",
            "test_flatten_of_a_zero_dimensional_tensor_is_a_one_element_view",
            "test_flatten_is_a_view_when_the_input_can_be_viewed_flat",
        ),
    ),
    "flatten-always-aliases": Breakage(
        method("flatten", _aliasing_flat), FLATTEN_FILE, ("test_flatten_copies_when_the_input_cannot_be_viewed_flat",)
    ),
    "ravel-always-copies": Breakage(
        method("ravel", copying), FLATTEN_FILE, ("test_ravel_of_a_contiguous_tensor_is_a_view",)
    ),
    "ravel-always-aliases": Breakage(
        method("ravel", _aliasing_flat), FLATTEN_FILE, ("test_ravel_of_a_non_contiguous_tensor_is_a_contiguous_copy",)
    ),
    "expand-copies": Breakage(
        method("expand", _expand_by_repeat),
        EXPAND_FILE,
        (
            "test_expand_sets_the_stride_of_expanded_dimensions_to_zero",
            "test_expand_shows_writes_to_its_source",
            "test_in_place_write_into_an_expanded_tensor_is_refused",
        ),
    ),
    "repeat-aliases": Breakage(
        method("repeat", _repeat_by_expand),
        EXPAND_FILE,
        ("test_repeat_copies_so_writes_to_the_source_do_not_show", "test_repeat_with_all_ones_still_copies"),
    ),
    "broadcast-to-copies": Breakage(
        function("broadcast_to", copying), EXPAND_FILE, ("test_broadcast_to_is_an_expand_view",)
    ),
    "t-copies": Breakage(method("t", copying), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[t]",)),
    "narrow-copies": Breakage(
        method("narrow", copying), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[narrow]",)
    ),
    "unbind-copies": Breakage(
        method("unbind", lambda original: lambda self, dim=0: tuple(p.clone() for p in original(self, dim))),
        OPS_FILE,
        ("test_splitting_view_op_returns_views_of_its_input[unbind]",),
    ),
    # The Tensor Views page: the rest of its view ops, the sparse accessors, reshape_as, and indexed assignment
    "adjoint-copies": Breakage(
        method("adjoint", copying), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[adjoint]",)
    ),
    "h-property-copies": Breakage(
        method("H", _copying_property), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[H]",)
    ),
    "mh-property-copies": Breakage(
        method("mH", _copying_property), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[mH]",)
    ),
    "swapdims-copies": Breakage(
        method("swapdims", copying), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[swapdims]",)
    ),
    "reshape-as-always-copies": Breakage(
        method("reshape_as", copying), OPS_FILE, ("test_view_op_returns_a_view_of_its_input[reshape-as-contiguous]",)
    ),
    "reshape-as-always-aliases": Breakage(
        method("reshape_as", _aliasing_reshape_as),
        OPS_FILE,
        ("test_copying_op_returns_a_new_tensor[reshape-as-non-viewable]",),
    ),
    "vsplit-copies": Breakage(
        method("vsplit", _copying_pieces), OPS_FILE, ("test_splitting_view_op_returns_views_of_its_input[vsplit]",)
    ),
    "dsplit-copies": Breakage(
        method("dsplit", _copying_pieces), OPS_FILE, ("test_splitting_view_op_returns_views_of_its_input[dsplit]",)
    ),
    "split-with-sizes-copies": Breakage(
        method("split_with_sizes", _copying_pieces),
        OPS_FILE,
        ("test_splitting_view_op_returns_views_of_its_input[split-with-sizes]",),
    ),
    "detach-copies-as-a-view-op": Breakage(
        method("detach", copying), OPS_FILE, ("test_detach_shares_its_inputs_memory_as_a_view_op",)
    ),
    "sparse-indices-copies": Breakage(
        method("indices", copying),
        OPS_FILE,
        ("test_sparse_indices_and_values_are_views_into_the_sparse_tensor[indices]",),
    ),
    "sparse-values-copies": Breakage(
        method("values", copying),
        OPS_FILE,
        ("test_sparse_indices_and_values_are_views_into_the_sparse_tensor[values]",),
    ),
    "swapdims-missing": Breakage(
        _hidden("swapdims"), OPS_FILE, ("test_every_view_op_the_page_lists_exists_and_has_a_view_spec",)
    ),
    "advanced-index-assignment-writes-a-copy": Breakage(
        method("__setitem__", _setitem_through_getitem),
        OPS_FILE,
        ("test_assignment_through_basic_or_advanced_indexing_writes_in_place",),
    ),
    "index-select-aliases": Breakage(
        method("index_select", _narrowing_index_select),
        OPS_FILE,
        ("test_copying_op_returns_a_new_tensor[index-select]",),
    ),
    "indexing-copies": Breakage(
        method("__getitem__", _copying_getitem), OPS_FILE, ("test_in_place_op_through_a_view_changes_the_base",)
    ),
    "mul-in-place": Breakage(
        method("mul", _in_place_mul),
        OPS_FILE,
        ("test_in_place_op_overwrites_while_out_of_place_op_leaves_input_unchanged",),
    ),
    "from-numpy-copies": Breakage(
        function("from_numpy", _copying_from_numpy), CONSTRUCTION_FILE, ("test_from_numpy_shares_memory_both_ways",)
    ),
    "numpy-copies": Breakage(method("numpy", _copying_numpy), CONSTRUCTION_FILE, ("test_tensor_numpy_shares_memory",)),
    "as-tensor-copies": Breakage(
        function("as_tensor", _copying_as_tensor),
        CONSTRUCTION_FILE,
        (
            "test_as_tensor_shares_an_ndarray_of_matching_dtype",
            "test_as_tensor_returns_a_tensor_of_matching_dtype_itself",
        ),
    ),
    "as-tensor-ignores-dtype": Breakage(
        function("as_tensor", _dtype_ignoring_as_tensor),
        CONSTRUCTION_FILE,
        ("test_as_tensor_copies_when_the_dtype_changes",),
    ),
    "tensor-shares": Breakage(
        function("tensor", _sharing_tensor), CONSTRUCTION_FILE, ("test_torch_tensor_always_copies",)
    ),
    "tensor-makes-floats": Breakage(
        function("tensor", _floating_tensor), CONSTRUCTION_FILE, ("test_torch_tensor_keeps_python_ints_as_int64",)
    ),
    "tensor-keeps-graph": Breakage(
        function("tensor", _graph_keeping_tensor), CONSTRUCTION_FILE, ("test_torch_tensor_detaches_a_tensor_argument",)
    ),
    "tensor-of-a-tensor-warning-advice": ChangeBreakage(
        "tensor-of-a-tensor-warning-advice",
        before=function("tensor", _tensor_advising("detach().clone()")),
        after=function("tensor", _tensor_advising("clone().detach()")),
    ),
    "swap-tensors-leaf-held-by-grad-accumulator": ChangeBreakage(
        "swap-tensors-leaf-held-by-grad-accumulator",
        before=setting(torch.utils, "swap_tensors", _swapping_data_only),
        after=function("swap_tensors", _refusing_leaves_that_require_grad, module=torch.utils),
    ),
    "swap-tensors": ChangeBreakage(
        "swap-tensors",
        before=setting(torch.utils, "swap_tensors", _swapping_data_only),
        after=deleting(torch.utils, "swap_tensors"),
    ),
    "legacy-keeps-ints": Breakage(
        legacy(legacy_keeps_python_types),
        CONSTRUCTION_FILE,
        ("test_legacy_constructor_turns_python_ints_into_the_default_dtype",),
    ),
    "legacy-copies-tensors": Breakage(
        legacy(_legacy_copies_tensors), CONSTRUCTION_FILE, ("test_legacy_constructor_aliases_a_tensor_of_any_dtype",)
    ),
    "legacy-copies-arrays": Breakage(
        legacy(_legacy_copies_arrays),
        CONSTRUCTION_FILE,
        (
            "test_legacy_constructor_aliases_an_ndarray_of_the_default_dtype",
            "test_legacy_constructor_aliasing_follows_the_default_dtype",
        ),
    ),
    "legacy-shares-arrays": Breakage(
        legacy(_legacy_shares_arrays),
        CONSTRUCTION_FILE,
        ("test_legacy_constructor_copies_an_ndarray_of_another_dtype",),
    ),
    "legacy-caches-lists": Breakage(
        legacy(_legacy_caches_lists), CONSTRUCTION_FILE, ("test_legacy_constructor_copies_a_list",)
    ),
    "detach-copies": Breakage(
        method("detach", copying),
        DETACH_FILE,
        (
            "test_detach_shares_storage_with_the_original",
            "test_in_place_change_through_detach_is_caught_by_backward",
        ),
    ),
    "detach-keeps-graph": Breakage(
        method("detach", _graph_keeping_detach), DETACH_FILE, ("test_detach_leaves_the_autograd_graph",)
    ),
    "to-always-copies": Breakage(
        method("to", copying), TRANSFER_FILE, ("test_to_with_nothing_to_change_returns_the_tensor_itself",)
    ),
    "to-returns-self": Breakage(
        method("to", returning_self),
        TRANSFER_FILE,
        ("test_to_another_dtype_returns_a_copy", "test_to_with_copy_true_always_copies"),
    ),
    "cpu-always-copies": Breakage(
        method("cpu", copying), TRANSFER_FILE, ("test_cpu_of_a_cpu_tensor_returns_the_tensor_itself",)
    ),
    "cuda-stays-put": Breakage(
        method("cuda", returning_self),
        TRANSFER_FILE,
        ("test_moving_a_cpu_tensor_to_cuda_copies_it",),
        needs_device="cuda",
    ),
    "cpu-stays-put": Breakage(
        method("cpu", returning_self),
        TRANSFER_FILE,
        ("test_moving_an_accelerator_tensor_to_cpu_copies_it",),
        needs_device="accelerator",
    ),
}


# The notes' remaining statements.
def _expand_taking_minus_one_as_one(original):
    def expand(self, *sizes, **kwargs):
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, torch.Size)):
            sizes = tuple(sizes[0])
        return original(self, *(1 if size == -1 else size for size in sizes), **kwargs)

    return expand


BREAKAGES.update(
    {
        "expand-minus-one-taken-as-one": Breakage(
            method("expand", _expand_taking_minus_one_as_one),
            EXPAND_FILE,
            ("test_expand_with_minus_one_keeps_those_sizes",),
        ),
    }
)


# near-miss sweep (test_construction, test_contiguous_and_flatten, test_detach, test_device_transfer,
# test_expand_and_repeat, test_view_and_reshape): aliases that read memory as if it were row-major, copies in memory
# order, fast paths taken only for the default argument or the leading dimension, and an error with the other message.
def _row_major_strides(shape) -> tuple[int, ...]:
    return torch.empty(tuple(shape), device="meta").stride()


def _from_numpy_reading_row_major(original):
    """from_numpy that shares the array's buffer but reads it in row-major order, whatever the array's strides."""

    def from_numpy(array):
        shared = original(array)
        return shared.as_strided(shared.shape, _row_major_strides(shared.shape), shared.storage_offset())

    return from_numpy


def _numpy_reading_row_major(original):
    """Tensor.numpy() that shares the storage but reads it in row-major order, whatever the tensor's strides."""

    def numpy(self, *args, **kwargs):
        row_major = self.as_strided(self.shape, _row_major_strides(self.shape), self.storage_offset())
        return original(row_major, *args, **kwargs)

    return numpy


def _as_tensor_copying_when_given_a_target(original):
    """as_tensor that takes its no-copy path only when neither dtype nor device is passed, matching or not."""

    def as_tensor(data, dtype=None, device=None):
        made = original(data, dtype=dtype, device=device)
        return made if dtype is None and device is None else made.clone()

    return as_tensor


def _tensor_making_float32_floats(original):
    """torch.tensor that infers float32 for Python floats instead of the default dtype."""

    def tensor(data, *args, **kwargs):
        made = original(data, *args, **kwargs)
        return made.to(torch.float32) if made.is_floating_point() and "dtype" not in kwargs else made

    return tensor


def _legacy_aliases_tensors_flat(original_new, cls, data):
    if isinstance(data, Tensor):
        return data.as_strided((data.numel(),), (1,), data.storage_offset())
    return original_new(cls, data)


def _contiguous_checking_every_stride(original):
    """contiguous() that returns self only when every stride, size-1 dimensions' included, is the row-major one."""

    def contiguous(self, *args, **kwargs):
        if tuple(self.stride()) == _row_major_strides(self.shape):
            return original(self, *args, **kwargs)
        return self.clone(memory_format=torch.contiguous_format)

    return contiguous


def _flatten_copying_unless_contiguous(original):
    """flatten that copies every non-contiguous input, even one whose flattened dimensions could be viewed."""
    return lambda self, *args, **kwargs: original(self.contiguous(), *args, **kwargs)


def _flatten_ignoring_dims(original):
    """flatten that flattens every dimension, whatever start_dim and end_dim say."""
    return lambda self, *args, **kwargs: original(self)


def _copying_in_memory_order(original):
    """A flattening copy that lists the elements in the order they lie in memory, not in row-major order."""

    def flat(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if args or kwargs or self.dim() < 2 or self.is_contiguous():
            return result
        in_memory = self.clone()
        return in_memory.as_strided((in_memory.numel(),), (1,), in_memory.storage_offset())

    return flat


def _detach_aliasing_the_whole_storage(original):
    """detach that shares the storage but drops the view's sizes, strides and offset: the whole storage, flat."""

    def detach(self):
        detached = original(self)
        return detached.as_strided((detached.untyped_storage().nbytes() // detached.element_size(),), (1,), 0)

    return detach


def _to_returning_self_only_for_the_default_dtype(original):
    """Tensor.to whose nothing-to-change shortcut compares with the default dtype instead of the tensor's own."""

    def to(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        return result.clone() if result is self and self.dtype != torch.get_default_dtype() else result

    return to


def _to_dropping_copy_for_a_dtype(original):
    """Tensor.to whose dtype-only overload drops copy=True."""

    def to(self, *args, copy=False, **kwargs):
        if args and isinstance(args[0], torch.dtype):
            return original(self, *args, **kwargs)
        return original(self, *args, copy=copy, **kwargs)

    return to


def _expand_copying_unless_the_leading_dim_grows(original):
    """expand whose view path handles only the leading dimension; any other grown dimension is copied."""

    def expand(self, *sizes, **kwargs):
        expanded = original(self, *sizes, **kwargs)
        inner_grew = expanded.shape[expanded.dim() - self.dim() + 1 :] != self.shape[1:]
        return expanded.clone() if inner_grew else expanded

    return expand


def _view_reporting_two_minus_ones_as_a_size_mismatch(original):
    def view(self, *shape):
        sizes = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        if isinstance(sizes, tuple | list) and list(sizes).count(-1) > 1:
            raise RuntimeError(f"shape '{list(sizes)}' is invalid for input of size {self.numel()}")
        return original(self, *shape)

    return view


BREAKAGES.update(
    {
        "from-numpy-reads-row-major": Breakage(
            function("from_numpy", _from_numpy_reading_row_major),
            CONSTRUCTION_FILE,
            ("test_from_numpy_shares_memory_both_ways",),
        ),
        "numpy-reads-row-major": Breakage(
            method("numpy", _numpy_reading_row_major), CONSTRUCTION_FILE, ("test_tensor_numpy_shares_memory",)
        ),
        "as-tensor-copies-when-given-a-dtype-or-device": Breakage(
            function("as_tensor", _as_tensor_copying_when_given_a_target),
            CONSTRUCTION_FILE,
            (
                "test_as_tensor_shares_an_ndarray_of_matching_dtype",
                "test_as_tensor_returns_a_tensor_of_matching_dtype_itself",
            ),
        ),
        "tensor-makes-float32-whatever-the-default": Breakage(
            function("tensor", _tensor_making_float32_floats),
            CONSTRUCTION_FILE,
            ("test_torch_tensor_keeps_python_ints_as_int64",),
        ),
        "legacy-aliases-tensors-flat": Breakage(
            legacy(_legacy_aliases_tensors_flat),
            CONSTRUCTION_FILE,
            ("test_legacy_constructor_aliases_a_tensor_of_any_dtype",),
        ),
        "contiguous-checks-size-one-strides": Breakage(
            method("contiguous", _contiguous_checking_every_stride),
            FLATTEN_FILE,
            ("test_contiguous_returns_the_tensor_itself_when_already_contiguous",),
        ),
        "flatten-copies-unless-contiguous": Breakage(
            method("flatten", _flatten_copying_unless_contiguous),
            FLATTEN_FILE,
            ("test_flatten_is_a_view_when_the_input_can_be_viewed_flat",),
        ),
        "flatten-ignores-start-and-end-dims": Breakage(
            method("flatten", _flatten_ignoring_dims),
            FLATTEN_FILE,
            ("test_flatten_is_a_view_when_the_input_can_be_viewed_flat",),
        ),
        "flatten-copies-in-memory-order": Breakage(
            method("flatten", _copying_in_memory_order),
            FLATTEN_FILE,
            ("test_flatten_copies_when_the_input_cannot_be_viewed_flat",),
        ),
        "ravel-copies-in-memory-order": Breakage(
            method("ravel", _copying_in_memory_order),
            FLATTEN_FILE,
            ("test_ravel_of_a_non_contiguous_tensor_is_a_contiguous_copy",),
        ),
        "detach-aliases-the-whole-storage": Breakage(
            method("detach", _detach_aliasing_the_whole_storage),
            DETACH_FILE,
            ("test_detach_shares_storage_with_the_original",),
        ),
        "to-returns-self-only-for-the-default-dtype": Breakage(
            method("to", _to_returning_self_only_for_the_default_dtype),
            TRANSFER_FILE,
            ("test_to_with_nothing_to_change_returns_the_tensor_itself",),
        ),
        "to-drops-copy-for-a-dtype": Breakage(
            method("to", _to_dropping_copy_for_a_dtype),
            TRANSFER_FILE,
            ("test_to_with_copy_true_always_copies",),
        ),
        "expand-copies-unless-the-leading-dim-grows": Breakage(
            method("expand", _expand_copying_unless_the_leading_dim_grows),
            EXPAND_FILE,
            ("test_expand_sets_the_stride_of_expanded_dimensions_to_zero",),
        ),
        "view-reports-two-minus-ones-as-a-size-mismatch": Breakage(
            method("view", _view_reporting_two_minus_ones_as_a_size_mismatch),
            VIEW_FILE,
            ("test_view_to_a_different_element_count_raises",),
        ),
    }
)
