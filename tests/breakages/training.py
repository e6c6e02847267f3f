"""Breakages of the training area: update rules, learning-rate schedules, losses and layers that compute the wrong thing."""

from __future__ import annotations

import bisect
import copy
import inspect
import math
import warnings

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.distributed import rpc
from torch.optim import lr_scheduler

from .core import (
    Breakage,
    ChangeBreakage,
    combined,
    deleting,
    dropping_keyword,
    function,
    mapping_result,
    method,
    module_method,
    refusing_keyword,
    reraising_as,
    setting,
    silenced,
    warning_first,
)

OPTIMIZERS = "specs/training/test_optimizers.py"
COMMON = "specs/training/test_common_layers.py"
SCHEDULERS = "specs/training/test_lr_schedulers.py"
LOSSES = "specs/training/test_losses.py"
LAYERS = "specs/training/test_layers.py"
DISTRIBUTED = "specs/training/test_distributed.py"
CPU_AUTOCAST = "specs/training/test_cpu_autocast.py"


def _init_with(owner: type, **overrides):
    """Break ``owner.__init__`` so that the given keyword arguments are replaced (functions of the caller's value)."""

    def make(original):
        def init(self, *args, **kwargs):
            for name, change in overrides.items():
                kwargs[name] = change(kwargs.get(name))
            return original(self, *args, **kwargs)

        return init

    return module_method("__init__", make, owner=owner)


def _init_without(owner: type, name: str):
    """Break ``owner.__init__`` so that keyword ``name`` is dropped (its default applies)."""
    return module_method("__init__", dropping_keyword(name), owner=owner)


def _functional(name: str, make_replacement):
    return function(name, make_replacement, module=F)


def _preparing(original, prepare):
    """F.cross_entropy whose (input, target, kwargs) pass through ``prepare`` first."""

    def cross_entropy(input, target, *args, **kwargs):
        input, target, kwargs = prepare(input, target, dict(kwargs))
        return original(input, target, *args, **kwargs)

    return cross_entropy


def _refusing_probability_targets(input, target, kwargs):
    if target.is_floating_point():
        raise RuntimeError("broken: targets must be class indices")
    return input, target, kwargs


def _casting_float_indices(input, target, kwargs):
    if target.is_floating_point() and target.dim() == input.dim() - 1:
        target = target.long()
    return input, target, kwargs


def _counting_ignored_targets(input, target, kwargs):
    if not target.is_floating_point():
        target = target.masked_fill(target == kwargs.get("ignore_index", -100), 0)
    return input, target, kwargs


def _dropping_label_smoothing(input, target, kwargs):
    kwargs.pop("label_smoothing", None)
    return input, target, kwargs


def _weighted_mean_by_count(original):
    def cross_entropy(input, target, *args, weight=None, reduction="mean", **kwargs):
        if weight is not None and reduction == "mean":
            return original(input, target, *args, weight=weight, reduction="none", **kwargs).mean()
        return original(input, target, *args, weight=weight, reduction=reduction, **kwargs)

    return cross_entropy


def _lr_read_once(original):
    """SGD.step that keeps using the learning rates it saw on its first call."""

    def step(self, closure=None):
        first = self.__dict__.setdefault("_first_lrs", [group["lr"] for group in self.param_groups])
        current = [group["lr"] for group in self.param_groups]
        for group, lr in zip(self.param_groups, first, strict=True):
            group["lr"] = lr
        try:
            return original(self, closure)
        finally:
            for group, lr in zip(self.param_groups, current, strict=True):
                group["lr"] = lr

    return step


def _stepping_params_without_grad(original):
    def step(self, closure=None):
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is None:
                    parameter.grad = torch.zeros_like(parameter)
        return original(self, closure)

    return step


def _exponential_skipping_a_step(original):
    return lambda self: (
        [group["lr"] for group in self.optimizer.param_groups] if self.last_epoch == 3 else original(self)
    )


def _one_cycle_stepping_forever(original):
    def step(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        except ValueError:
            return None

    return step


def _rnn_initial_state_of_ones(original):
    def forward(self, input, hx=None):
        if hx is None:
            directions = 2 if self.bidirectional else 1
            hx = torch.ones(self.num_layers * directions, input.shape[1], self.hidden_size)
        return original(self, input, hx)

    return forward


def _cyclic_lr_refusing_optimizers_without_momentum(original):
    def init(self, optimizer, *args, cycle_momentum=True, **kwargs):
        if cycle_momentum and "momentum" not in optimizer.defaults:
            raise ValueError("broken: optimizer must support momentum with `cycle_momentum` option enabled")
        return original(self, optimizer, *args, cycle_momentum=cycle_momentum, **kwargs)

    return init


def _cyclic_lr_not_cycling_without_momentum(original):
    def init(self, optimizer, *args, cycle_momentum=True, **kwargs):
        cycle_momentum = cycle_momentum and "momentum" in optimizer.defaults
        return original(self, optimizer, *args, cycle_momentum=cycle_momentum, **kwargs)

    return init


def _step_lr_warning_that_verbose_is_deprecated(original):
    def init(self, *args, verbose=None, **kwargs):
        if verbose is not None:
            warnings.warn("The verbose parameter is deprecated. Please use get_last_lr()", UserWarning, stacklevel=2)
        return original(self, *args, **kwargs)

    return init


def _step_lr_refusing_verbose(original):
    def init(self, *args, **kwargs):
        if "verbose" in kwargs:
            raise TypeError("broken: __init__() got an unexpected keyword argument 'verbose'")
        return original(self, *args, **kwargs)

    return init


def _constant_warning(message: str, category: type[Warning]):
    """nn.init.constant warning as the other releases' does."""

    def make(original):
        def constant(tensor, val):
            warnings.warn(message, category, stacklevel=2)
            return nn.init.constant_(tensor, val)

        return constant

    return make


def _sgd_with_a_default_lr(lr):
    """SGD.__init__ that, given no lr, uses ``lr``, or refuses like a release where lr is required (``None``)."""

    def make(original):
        def init(self, params, *args, **kwargs):
            if not args and "lr" not in kwargs:
                if lr is None:
                    raise ValueError(
                        "broken: parameter group didn't specify a value of required optimization parameter lr"
                    )
                kwargs["lr"] = lr
            return original(self, params, *args, **kwargs)

        return init

    return make


def _sgd_step_then(adjust):
    def make(original):
        def step(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            for group in self.param_groups:
                if group["momentum"] == 0:
                    for parameter in group["params"]:
                        adjust(self.state, parameter)
            return result

        return step

    return make


def _forget_state(state, parameter):
    state.pop(parameter, None)


def _empty_momentum_buffer(state, parameter):
    if parameter.grad is not None:
        state[parameter] = {"momentum_buffer": None}


def _load_state_dict_keeping_given_tensors(original):
    def load_state_dict(self, state_dict):
        original(self, state_dict)
        parameters = [p for group in self.param_groups for p in group["params"]]
        for index, values in state_dict["state"].items():
            for name, value in values.items():
                if isinstance(value, torch.Tensor):
                    self.state[parameters[index]][name] = value

    return load_state_dict


def _load_state_dict_of_a_copy(original):
    return lambda self, state_dict: original(self, copy.deepcopy(state_dict))


def _betas_checked(original):
    def init(self, params, *args, betas=(0.9, 0.999), **kwargs):
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, torch.Tensor) for b in betas)):
            raise ValueError("broken: betas must be either both floats or both Tensors")
        return original(self, params, *args, betas=betas, **kwargs)

    return init


def _betas_made_floats(original):
    def init(self, params, *args, betas=(0.9, 0.999), **kwargs):
        return original(self, params, *args, betas=tuple(float(b) for b in betas), **kwargs)

    return init


def _adamw_outside_adam(monkeypatch):
    """torch.optim.AdamW as a class of its own, not an Adam: what isinstance saw before AdamW derived from Adam."""
    original = torch.optim.AdamW
    standalone = type(
        "AdamW",
        (torch.optim.Optimizer,),
        {"__init__": lambda self, params, **kw: original.__init__(self, params, **kw)},
    )
    monkeypatch.setattr(torch.optim, "AdamW", standalone)


def _adamw_inside_adam(monkeypatch):
    monkeypatch.setattr(torch.optim, "AdamW", type("AdamW", (torch.optim.AdamW, torch.optim.Adam), {}))


def _optimizer_warning_of_sets(original):
    def init(self, params, *args, **kwargs):
        if isinstance(params, set):
            warnings.warn(
                "the ordering of tensors in sets will change between runs. Please use a list instead.",
                FutureWarning,
                stacklevel=2,
            )
        return original(self, params, *args, **kwargs)

    return init


def _adagrad_step_making_missing_state(original):
    def step(self, *args, **kwargs):
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter not in self.state or "sum" not in self.state[parameter]:
                    self.state[parameter] = {"step": torch.tensor(0.0), "sum": torch.zeros_like(parameter)}
        return original(self, *args, **kwargs)

    return step


def _adagrad_step_needing_constructor_state(original):
    def step(self, *args, **kwargs):
        if any("sum" not in self.state.get(p, {}) for group in self.param_groups for p in group["params"]):
            raise KeyError("sum")
        return original(self, *args, **kwargs)

    return step


def _plateau_as_a_scheduler(monkeypatch):
    plateau = lr_scheduler.ReduceLROnPlateau
    monkeypatch.setattr(
        lr_scheduler, "ReduceLROnPlateau", type("ReduceLROnPlateau", (plateau, lr_scheduler.LRScheduler), {})
    )


def _plateau_standing_alone(monkeypatch):
    plateau = lr_scheduler.ReduceLROnPlateau

    class ReduceLROnPlateau:
        def __init__(self, optimizer, **kwargs):
            self.inner = plateau(optimizer, **kwargs)

    monkeypatch.setattr(lr_scheduler, "ReduceLROnPlateau", ReduceLROnPlateau)


def _plateau_init_then(adjust):
    def make(original):
        def init(self, optimizer, *args, **kwargs):
            original(self, optimizer, *args, **kwargs)
            adjust(self, optimizer)

        return init

    return make


def _record_last_lr(scheduler, optimizer):
    scheduler._last_lr = [group["lr"] for group in optimizer.param_groups]


def _forget_last_lr(scheduler, optimizer):
    scheduler.__dict__.pop("_last_lr", None)


def _resumed_lr(extra_step: bool):
    """ExponentialLR.__init__ that, when resuming (last_epoch >= 0), applies one more decay or none at all."""

    def make(original):
        def init(self, optimizer, gamma, last_epoch=-1, *args, **kwargs):
            before = [group["lr"] for group in optimizer.param_groups]
            original(self, optimizer, gamma, last_epoch, *args, **kwargs)
            if last_epoch >= 0:
                for group, lr in zip(optimizer.param_groups, before, strict=True):
                    group["lr"] = lr * gamma if extra_step else lr

        return init

    return make


def _multiplicative_lr_checking_lambda(original):
    def init(self, optimizer, lr_lambda, *args, **kwargs):
        if not callable(lr_lambda) and not isinstance(lr_lambda, list):
            raise TypeError(f"broken: lr_lambda should be a function, but got {type(lr_lambda).__name__}")
        return original(self, optimizer, lr_lambda, *args, **kwargs)

    return init


def _multiplicative_lr_taking_anything(original):
    def init(self, optimizer, lr_lambda, *args, **kwargs):
        original(self, optimizer, lambda epoch: 1.0, *args, **kwargs)
        self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)

    return init


def _sequential_lr_starting_at(first_scheduler):
    """SequentialLR.__init__ whose initial step is the scheduler ``first_scheduler(schedulers, milestones)`` picks."""

    def make(original):
        def init(self, optimizer, schedulers, milestones, *args, **kwargs):
            original(self, optimizer, schedulers, milestones, *args, **kwargs)
            stepped = schedulers[bisect.bisect_right(milestones, 0)] if first_scheduler is _first else schedulers[0]
            for group in optimizer.param_groups:
                group["lr"] = group["initial_lr"]
            stepped.last_epoch -= 1
            chosen = first_scheduler(schedulers, milestones)
            chosen._initial_step()
            self._last_lr = chosen.get_last_lr()

        return init

    return make


def _first(schedulers, milestones):
    return schedulers[0]


def _by_milestone(schedulers, milestones):
    return schedulers[bisect.bisect_right(milestones, 0)]


def _norm_accepting_bias(owner: type):
    """owner.__init__ that takes bias=False and drops the bias after building the layer, as releases with it do."""

    def make(original):
        def init(self, *args, bias=True, **kwargs):
            original(self, *args, **kwargs)
            if not bias:
                self.register_parameter("bias", None)

        return init

    return module_method("__init__", make, owner=owner)


def _rnn_forward_refusing_dims(exception: type[Exception], message: str):
    def make(original):
        def forward(self, input, *args, **kwargs):
            if input.dim() not in (2, 3):
                raise exception(f"broken: {message}")
            return original(self, input, *args, **kwargs)

        return forward

    return make


def _rnn_nonlinearity_from_position(taken: bool):
    def make(original):
        def init(self, *args, **kwargs):
            original(self, *args, **kwargs)
            if len(args) > 3:
                self.nonlinearity = args[3] if taken else "tanh"

        return init

    return make


def _lstm_bias_checked(original):
    def init(self, *args, bias=True, **kwargs):
        if not isinstance(bias, bool):
            raise TypeError(f"broken: bias should be of type bool, got: {type(bias).__name__}")
        return original(self, *args, bias=bias, **kwargs)

    return init


def _lstm_bias_made_bool(original):
    return lambda self, *args, bias=True, **kwargs: original(self, *args, bias=bool(bias), **kwargs)


def _softmax_dim_checked(original):
    def init(self, dim=None):
        if dim is not None and type(dim) is not int:
            raise TypeError(f"broken: dim must be an int or None, got {type(dim)}")
        return original(self, dim)

    return init


def _softmax_dim_made_int(original):
    return lambda self, dim=None: original(self, None if dim is None else int(dim))


def _lp_pool_infinite(as_max: bool):
    def make(original):
        def lp_pool1d(input, norm_type, kernel_size, *args, **kwargs):
            if norm_type != math.inf:
                return original(input, norm_type, kernel_size, *args, **kwargs)
            pooled = F.max_pool1d(input.abs(), kernel_size, *args, **kwargs)
            return pooled if as_max else torch.ones_like(pooled)

        return lp_pool1d

    return make


def _rms_norm(in_float32: bool):
    """F.rms_norm as computed on either side of its float32 rewrite: ``in_float32`` computes float16 and bfloat16 inputs
    in float32 with float32's eps and returns the input's dtype; otherwise eps is the input dtype's and the weight
    promotes the result."""

    def rms_norm(input, normalized_shape, weight=None, eps=None):
        dims = tuple(range(-len(normalized_shape), 0))
        work = input.float() if in_float32 and input.dtype in (torch.float16, torch.bfloat16) else input
        if eps is None:
            eps = torch.finfo(work.dtype).eps
        result = work * torch.rsqrt(work.pow(2).mean(dims, keepdim=True) + eps)
        if weight is not None:
            result = result * weight
        return result.to(input.dtype) if in_float32 else result

    return rms_norm


def _attention_dropping_the_mask_under_is_causal(original):
    def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, **kwargs):
        return original(query, key, value, None if is_causal else attn_mask, dropout_p, is_causal, **kwargs)

    return attention


def _attention_refusing_a_mask_under_is_causal(original):
    def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, **kwargs):
        if is_causal and attn_mask is not None:
            raise RuntimeError("broken: an explicit attn_mask is refused with is_causal=True")
        return original(query, key, value, attn_mask, dropout_p, is_causal, **kwargs)

    return attention


def _sequential_lr_warning_at_milestones(original):
    def step(self):
        if self.last_epoch + 1 in self._milestones:
            warnings.warn(
                "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible.",
                UserWarning,
                stacklevel=2,
            )
        return original(self)

    return step


def _lp_pool_checking_norm(original):
    def init(self, norm_type, *args, **kwargs):
        if norm_type == 0:
            raise ValueError("broken: norm_type must be a non-zero value, but got 0")
        return original(self, norm_type, *args, **kwargs)

    return init


def _lp_pool_taking_norm_zero(original):
    def init(self, norm_type, *args, **kwargs):
        original(self, 1 if norm_type == 0 else norm_type, *args, **kwargs)
        self.norm_type = norm_type

    return init


def _normal_with_generator(original):
    def normal_(tensor, mean=0.0, std=1.0, generator=None):
        with torch.no_grad():
            return tensor.normal_(mean, std, generator=generator)

    return normal_


def _trunc_normal_by_rejection(original):
    def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        with torch.no_grad():
            drawn = torch.empty(0)
            while drawn.numel() < tensor.numel():
                candidates = torch.randn(tensor.numel() * 4, generator=generator) * std + mean
                drawn = torch.cat([drawn, candidates[(candidates >= a) & (candidates <= b)]])
            return tensor.copy_(drawn[: tensor.numel()].reshape(tensor.shape))

    return trunc_normal_


def _trunc_normal_by_inverse_cdf(original):
    def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        def cdf(x):
            return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

        low, high = cdf((a - mean) / std), cdf((b - mean) / std)
        with torch.no_grad():
            tensor.uniform_(2 * low - 1, 2 * high - 1).erfinv_().mul_(std * math.sqrt(2.0)).add_(mean)
            return tensor.clamp_(min=a, max=b)

    return trunc_normal_


WEIGHT_NORM_DEPRECATION = (
    "torch.nn.utils.weight_norm is deprecated in favor of torch.nn.utils.parametrizations.weight_norm."
)


def _embedding_bag_2d(drop_last_bag: bool):
    def make(original):
        def embedding_bag(input, weight, *args, include_last_offset=False, **kwargs):
            if input.dim() == 2:
                bags = original(input, weight, *args, include_last_offset=False, **kwargs)
                return bags[:-1] if drop_last_bag and include_last_offset else bags
            return original(input, weight, *args, include_last_offset=include_last_offset, **kwargs)

        return embedding_bag

    return make


def _mse_loss_weighted(original):
    def mse_loss(input, target, *args, weight=None, **kwargs):
        if weight is None:
            return original(input, target, *args, **kwargs)
        return (weight * (input - target) ** 2).sum() / weight.sum()

    return mse_loss


def _clip_warning_of_empty_generators(original):
    def clip_grad_norm_(parameters, *args, **kwargs):
        if inspect.isgenerator(parameters):
            parameters = list(parameters)
            if not parameters:
                warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
        return original(parameters, *args, **kwargs)

    return clip_grad_norm_


def _clip_each_gradient_alone(original):
    def clip_grad_norm_(parameters, max_norm, *args, **kwargs):
        parameters = list(parameters)
        for parameter in parameters:
            original([parameter], max_norm, *args, **kwargs)
        return original(parameters, math.inf)

    return clip_grad_norm_


def _adaptive_pool_with_disjoint_windows(original):
    """adaptive_avg_pool2d whose windows are [i*n//out, (i+1)*n//out): they never overlap, and differ where out does
    not divide n."""

    def pool(x, output_size):
        rows, columns = output_size
        height, width = x.shape[-2:]
        return torch.stack(
            [
                torch.stack(
                    [
                        x[
                            ...,
                            r * height // rows : (r + 1) * height // rows,
                            c * width // columns : (c + 1) * width // columns,
                        ].mean((-2, -1))
                        for c in range(columns)
                    ],
                    -1,
                )
                for r in range(rows)
            ],
            -2,
        )

    return pool


def _no_group_error_as(caught: type[Exception], raised: type[Exception]):
    """get_rank and get_world_size whose ``caught`` error without a default group is re-raised as ``raised``."""
    return combined(
        *(function(name, reraising_as(caught, raised), module=dist) for name in ("get_rank", "get_world_size"))
    )


def _sampler_in_contiguous_blocks(original):
    def iterate(self):
        indices = list(range(len(self.dataset)))
        indices += indices[: self.total_size - len(indices)]
        return iter(indices[self.rank * self.num_samples : (self.rank + 1) * self.num_samples])

    return iterate


def _step_writing_the_first_group_only(original):
    def step(self, *args, **kwargs):
        before = [group["lr"] for group in self.optimizer.param_groups]
        original(self, *args, **kwargs)
        for group, lr in zip(self.optimizer.param_groups[1:], before[1:], strict=True):
            group["lr"] = lr

    return step


def _colwise_as_rowwise(monkeypatch):
    import torch.distributed.tensor.parallel as tensor_parallel

    monkeypatch.setattr(tensor_parallel, "ColwiseParallel", tensor_parallel.RowwiseParallel)


def _cpu_autocast_refusing_float16(original):
    def init(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if device_type == "cpu" and dtype not in (None, torch.bfloat16):
            warnings.warn("CPU Autocast only supports dtype of torch.bfloat16 currently.", UserWarning, stacklevel=2)
            raise RuntimeError("Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype")
        original.__init__(self, device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    return _autocast_subclass(original, init=init)


# Version changes found by probing each release: vector inner products under CPU autocast, RNN dtype checks,
# attention over fully masked rows, and the functions added late (linear_cross_entropy, lanczos, grouped_mm).


def _rnn_check_input_refusing_dtypes(refuse):
    """RNNBase.check_input that calls ``refuse(input dtype, weight dtype)`` for input of another dtype than the weights."""

    def make(original):
        def check_input(self, input, batch_sizes):
            weight_dtype = self._flat_weights[0].dtype
            if input.dtype != weight_dtype:
                refuse(input.dtype, weight_dtype)
            return original(self, input, batch_sizes)

        return check_input

    return make


def _refuse_in_the_matmul(input_dtype, weight_dtype):
    raise RuntimeError("broken: mat1 and mat2 must have the same dtype")


def _refuse_naming_the_input_type(input_dtype, weight_dtype):
    raise ValueError(f"input must have the type {weight_dtype}, got type {input_dtype}")


def _refuse_naming_both_dtypes(input_dtype, weight_dtype):
    raise ValueError(
        f"RNN input dtype ({input_dtype}) does not match weight dtype ({weight_dtype}). "
        f"Convert input: input.to({weight_dtype}), or convert model: model.to({input_dtype})"
    )


def _attention_with_fully_masked_rows(value: float):
    """scaled_dot_product_attention that writes ``value`` into each query row whose attn_mask masks out every key."""

    def make(original):
        def attention(query, key, value_tensor, attn_mask=None, *args, **kwargs):
            result = original(query, key, value_tensor, attn_mask, *args, **kwargs)
            if attn_mask is None:
                return result
            allowed = attn_mask if attn_mask.dtype == torch.bool else attn_mask != -math.inf
            return result.masked_fill(~allowed.any(-1, keepdim=True), value)

        return attention

    return make


def _interpolate_with_lanczos(original):
    """F.interpolate taking mode='lanczos' (antialias=True only), and resizing with bicubic instead."""

    def interpolate(input, *args, mode="nearest", antialias=False, **kwargs):
        if mode == "lanczos":
            if not antialias:
                raise ValueError("broken: Lanczos mode requires antialias=True")
            mode = "bicubic"
        return original(input, *args, mode=mode, antialias=antialias, **kwargs)

    return interpolate


def _interpolate_without_lanczos(original):
    def interpolate(input, *args, mode="nearest", **kwargs):
        if mode == "lanczos":
            raise NotImplementedError("broken: Input Error: no such mode (got lanczos)")
        return original(input, *args, mode=mode, **kwargs)

    return interpolate


def _scalar_products_outside_autocast(original):
    """An op whose 0-dim results are computed with autocast off, as torch.dot's are."""

    def call(*args, **kwargs):
        result = original(*args, **kwargs)
        if result.dim() != 0 or not _cpu_autocast_enabled():
            return result
        with torch.autocast("cpu", enabled=False):
            return original(*args, **kwargs)

    return call


def _checking_bce_targets(original):
    """F.binary_cross_entropy that refuses a target outside [0, 1]."""

    def binary_cross_entropy(input, target, *args, **kwargs):
        if bool(((target < 0) | (target > 1)).any()):
            raise RuntimeError("all elements of target should be between 0 and 1")
        return original(input, target, *args, **kwargs)

    return binary_cross_entropy


def _unchecked_bce_targets(original):
    """F.binary_cross_entropy that applies its formula to a target outside [0, 1] instead of refusing it."""

    def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
        if not bool(((target < 0) | (target > 1)).any()):
            return original(input, target, weight, size_average, reduce, reduction)
        losses = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100))
        losses = losses if weight is None else losses * weight
        return {"none": losses, "sum": losses.sum()}.get(reduction, losses.mean())

    return binary_cross_entropy


def _gaussian_nll_loss_taking_floats(original):
    """F.gaussian_nll_loss that takes a float var as that variance for every element."""

    def gaussian_nll_loss(input, target, var, *args, **kwargs):
        if isinstance(var, float):
            if var < 0:
                raise ValueError("var has negative entry/entries")
            var = torch.full_like(input, var)
        return original(input, target, var, *args, **kwargs)

    return gaussian_nll_loss


def _gaussian_nll_loss_refusing_floats(original):
    """F.gaussian_nll_loss that fails on a float var, reading its size."""

    def gaussian_nll_loss(input, target, var, *args, **kwargs):
        if isinstance(var, float):
            raise AttributeError("'float' object has no attribute 'size'")
        return original(input, target, var, *args, **kwargs)

    return gaussian_nll_loss


def _pad_sequence_with_a_side(original):
    """pad_sequence that takes padding_side, padding on the left by padding the reversed sequences."""

    def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
        if padding_side == "right":
            return original(sequences, batch_first, padding_value)
        reversed_sequences = [sequence.flip(0) for sequence in sequences]
        return original(reversed_sequences, batch_first, padding_value).flip(1 if batch_first else 0)

    return pad_sequence


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "pad-sequence-padding-side": ChangeBreakage(
            "pad-sequence-padding-side",
            before=function("pad_sequence", _pad_sequence_with_a_side, module=torch.nn.utils.rnn),
            after=function("pad_sequence", refusing_keyword("padding_side"), module=torch.nn.utils.rnn),
        ),
        "gaussian-nll-loss-float-variance": ChangeBreakage(
            "gaussian-nll-loss-float-variance",
            before=_functional("gaussian_nll_loss", _gaussian_nll_loss_taking_floats),
            after=_functional("gaussian_nll_loss", _gaussian_nll_loss_refusing_floats),
        ),
        "binary-cross-entropy-checks-target-range": ChangeBreakage(
            "binary-cross-entropy-checks-target-range",
            before=_functional("binary_cross_entropy", _checking_bce_targets),
            after=_functional("binary_cross_entropy", _unchecked_bce_targets),
        ),
        "cpu-autocast-float16": ChangeBreakage(
            "cpu-autocast-float16",
            before=function(
                "autocast",
                _autocast_with_arguments(
                    lambda device, dtype, enabled: (
                        device,
                        torch.bfloat16 if dtype == torch.float16 else dtype,
                        enabled,
                    )
                ),
            ),
            after=function("autocast", _cpu_autocast_refusing_float16),
        ),
        "cpu-autocast-prelu-lower-precision": ChangeBreakage(
            "cpu-autocast-prelu-lower-precision",
            before=function("prelu", _lowered_under_cpu_autocast, module=F),
            after=function("prelu", _run_outside_autocast, module=F),
        ),
        "cpu-autocast-linalg-vecdot-lower-precision": ChangeBreakage(
            "cpu-autocast-linalg-vecdot-lower-precision",
            before=function("vecdot", _lowered_under_cpu_autocast, module=torch.linalg),
            after=function("vecdot", _run_outside_autocast, module=torch.linalg),
        ),
        "autocast-cpu-getters-deprecated": ChangeBreakage(
            "autocast-cpu-getters-deprecated",
            before=function(
                "get_autocast_cpu_dtype",
                warning_first("torch.get_autocast_cpu_dtype() is deprecated", DeprecationWarning),
            ),
            after=combined(function("get_autocast_cpu_dtype", silenced), deleting(torch, "get_autocast_dtype")),
        ),
        "cpu-amp-autocast-deprecated": ChangeBreakage(
            "cpu-amp-autocast-deprecated",
            before=function(
                "autocast",
                warning_first("`torch.cpu.amp.autocast(args...)` is deprecated.", FutureWarning),
                module=torch.cpu.amp,
            ),
            after=function("autocast", silenced, module=torch.cpu.amp),
        ),
        "no-default-group-value-error": ChangeBreakage(
            "no-default-group-value-error",
            before=_no_group_error_as(RuntimeError, ValueError),
            after=_no_group_error_as(ValueError, RuntimeError),
        ),
        "cyclic-lr-cycles-adam-beta1": ChangeBreakage(
            "cyclic-lr-cycles-adam-beta1",
            before=module_method("__init__", _cyclic_lr_not_cycling_without_momentum, owner=lr_scheduler.CyclicLR),
            after=module_method(
                "__init__", _cyclic_lr_refusing_optimizers_without_momentum, owner=lr_scheduler.CyclicLR
            ),
        ),
        "scheduler-verbose-deprecated": ChangeBreakage(
            "scheduler-verbose-deprecated",
            before=module_method("__init__", _step_lr_warning_that_verbose_is_deprecated, owner=lr_scheduler.StepLR),
            after=_init_without(lr_scheduler.StepLR, "verbose"),
        ),
        "scheduler-verbose-removed": ChangeBreakage(
            "scheduler-verbose-removed",
            before=module_method("__init__", _step_lr_refusing_verbose, owner=lr_scheduler.StepLR),
            after=module_method("__init__", _step_lr_warning_that_verbose_is_deprecated, owner=lr_scheduler.StepLR),
        ),
        "init-old-names-future-warning": ChangeBreakage(
            "init-old-names-future-warning",
            before=function(
                "constant",
                _constant_warning(
                    "`nn.init.constant` is now deprecated in favor of `nn.init.constant_`.", FutureWarning
                ),
                module=nn.init,
            ),
            after=function(
                "constant",
                _constant_warning("nn.init.constant is now deprecated in favor of nn.init.constant_.", UserWarning),
                module=nn.init,
            ),
        ),
        "sgd-default-learning-rate": ChangeBreakage(
            "sgd-default-learning-rate",
            before=module_method("__init__", _sgd_with_a_default_lr(0.001), owner=torch.optim.SGD),
            after=module_method("__init__", _sgd_with_a_default_lr(None), owner=torch.optim.SGD),
        ),
        "sgd-without-momentum-keeps-no-state": ChangeBreakage(
            "sgd-without-momentum-keeps-no-state",
            before=module_method("step", _sgd_step_then(_forget_state), owner=torch.optim.SGD),
            after=module_method("step", _sgd_step_then(_empty_momentum_buffer), owner=torch.optim.SGD),
        ),
        "optimizer-load-state-dict-shares-state": ChangeBreakage(
            "optimizer-load-state-dict-shares-state",
            before=module_method(
                "load_state_dict", _load_state_dict_keeping_given_tensors, owner=torch.optim.Optimizer
            ),
            after=module_method("load_state_dict", _load_state_dict_of_a_copy, owner=torch.optim.Optimizer),
        ),
        "adam-betas-must-match-types": ChangeBreakage(
            "adam-betas-must-match-types",
            before=module_method("__init__", _betas_checked, owner=torch.optim.Adam),
            after=module_method("__init__", _betas_made_floats, owner=torch.optim.Adam),
        ),
        "adamw-is-an-adam": ChangeBreakage("adamw-is-an-adam", before=_adamw_inside_adam, after=_adamw_outside_adam),
        "adam-decoupled-weight-decay": ChangeBreakage(
            "adam-decoupled-weight-decay",
            before=module_method("__init__", dropping_keyword("decoupled_weight_decay"), owner=torch.optim.Adam),
            after=module_method("__init__", refusing_keyword("decoupled_weight_decay"), owner=torch.optim.Adam),
        ),
        "optimizer-params-set-future-warning": ChangeBreakage(
            "optimizer-params-set-future-warning",
            before=module_method("__init__", _optimizer_warning_of_sets, owner=torch.optim.Optimizer),
            after=module_method("__init__", silenced, owner=torch.optim.Optimizer),
        ),
        "muon-optimizer": ChangeBreakage(
            "muon-optimizer", before=setting(torch.optim, "Muon", torch.optim.SGD), after=deleting(torch.optim, "Muon")
        ),
        "lbfgs-maximize": ChangeBreakage(
            "lbfgs-maximize",
            before=module_method("__init__", dropping_keyword("maximize"), owner=torch.optim.LBFGS),
            after=module_method("__init__", refusing_keyword("maximize"), owner=torch.optim.LBFGS),
        ),
        "adagrad-state-for-added-param-groups": ChangeBreakage(
            "adagrad-state-for-added-param-groups",
            before=module_method("step", _adagrad_step_making_missing_state, owner=torch.optim.Adagrad),
            after=module_method("step", _adagrad_step_needing_constructor_state, owner=torch.optim.Adagrad),
        ),
        "reduce-lr-on-plateau-is-an-lr-scheduler": ChangeBreakage(
            "reduce-lr-on-plateau-is-an-lr-scheduler", before=_plateau_as_a_scheduler, after=_plateau_standing_alone
        ),
        "reduce-lr-on-plateau-last-lr-before-step": ChangeBreakage(
            "reduce-lr-on-plateau-last-lr-before-step",
            before=module_method("__init__", _plateau_init_then(_record_last_lr), owner=lr_scheduler.ReduceLROnPlateau),
            after=module_method("__init__", _plateau_init_then(_forget_last_lr), owner=lr_scheduler.ReduceLROnPlateau),
        ),
        "scheduler-resume-applies-no-extra-step": ChangeBreakage(
            "scheduler-resume-applies-no-extra-step",
            before=module_method("__init__", _resumed_lr(extra_step=False), owner=lr_scheduler.ExponentialLR),
            after=module_method("__init__", _resumed_lr(extra_step=True), owner=lr_scheduler.ExponentialLR),
        ),
        "multiplicative-lr-checks-its-lambda": ChangeBreakage(
            "multiplicative-lr-checks-its-lambda",
            before=module_method("__init__", _multiplicative_lr_checking_lambda, owner=lr_scheduler.MultiplicativeLR),
            after=module_method("__init__", _multiplicative_lr_taking_anything, owner=lr_scheduler.MultiplicativeLR),
        ),
        "reduce-lr-on-plateau-is-better-private": ChangeBreakage(
            "reduce-lr-on-plateau-is-better-private",
            before=deleting(lr_scheduler.ReduceLROnPlateau, "is_better"),
            after=setting(lr_scheduler.ReduceLROnPlateau, "is_better", lambda self, a, best: self._is_better(a, best)),
        ),
        "sequential-lr-milestone-at-zero": ChangeBreakage(
            "sequential-lr-milestone-at-zero",
            before=module_method(
                "__init__", _sequential_lr_starting_at(_by_milestone), owner=lr_scheduler.SequentialLR
            ),
            after=module_method("__init__", _sequential_lr_starting_at(_first), owner=lr_scheduler.SequentialLR),
        ),
        "layer-norm-bias-switch": ChangeBreakage(
            "layer-norm-bias-switch",
            before=_norm_accepting_bias(nn.LayerNorm),
            after=module_method("__init__", refusing_keyword("bias"), owner=nn.LayerNorm),
        ),
        "norm-layers-bias-switch": ChangeBreakage(
            "norm-layers-bias-switch",
            before=combined(_norm_accepting_bias(nn.BatchNorm1d), _norm_accepting_bias(nn.GroupNorm)),
            after=combined(
                module_method("__init__", refusing_keyword("bias"), owner=nn.BatchNorm1d),
                module_method("__init__", refusing_keyword("bias"), owner=nn.GroupNorm),
            ),
        ),
        "rms-norm-layer": ChangeBreakage(
            "rms-norm-layer",
            before=setting(nn, "RMSNorm", nn.LayerNorm),
            after=combined(deleting(nn, "RMSNorm"), deleting(F, "rms_norm"), deleting(torch, "rms_norm")),
        ),
        "rnn-input-dimension-value-error": ChangeBreakage(
            "rnn-input-dimension-value-error",
            before=module_method(
                "forward", _rnn_forward_refusing_dims(ValueError, "Expected input to be 2D or 3D"), owner=nn.RNN
            ),
            after=module_method(
                "forward", _rnn_forward_refusing_dims(AssertionError, "expected 2-D or 3-D input"), owner=nn.RNN
            ),
        ),
        "rnn-positional-nonlinearity": ChangeBreakage(
            "rnn-positional-nonlinearity",
            before=module_method("__init__", _rnn_nonlinearity_from_position(taken=True), owner=nn.RNN),
            after=module_method("__init__", _rnn_nonlinearity_from_position(taken=False), owner=nn.RNN),
        ),
        "rnn-constructor-checks-argument-types": ChangeBreakage(
            "rnn-constructor-checks-argument-types",
            before=module_method("__init__", _lstm_bias_checked, owner=nn.LSTM),
            after=module_method("__init__", _lstm_bias_made_bool, owner=nn.LSTM),
        ),
        "softmax-dim-must-be-an-int": ChangeBreakage(
            "softmax-dim-must-be-an-int",
            before=module_method("__init__", _softmax_dim_checked, owner=nn.Softmax),
            after=module_method("__init__", _softmax_dim_made_int, owner=nn.Softmax),
        ),
        "lp-pool-infinite-norm": ChangeBreakage(
            "lp-pool-infinite-norm",
            before=_functional("lp_pool1d", _lp_pool_infinite(as_max=True)),
            after=_functional("lp_pool1d", _lp_pool_infinite(as_max=False)),
        ),
        "lp-pool-refuses-norm-zero": ChangeBreakage(
            "lp-pool-refuses-norm-zero",
            before=module_method("__init__", _lp_pool_checking_norm, owner=nn.LPPool1d),
            after=module_method("__init__", _lp_pool_taking_norm_zero, owner=nn.LPPool1d),
        ),
        "init-generator-argument": ChangeBreakage(
            "init-generator-argument",
            before=function("normal_", _normal_with_generator, module=nn.init),
            after=function("normal_", refusing_keyword("generator"), module=nn.init),
        ),
        "trunc-normal-rejection-sampling": ChangeBreakage(
            "trunc-normal-rejection-sampling",
            before=function("trunc_normal_", _trunc_normal_by_rejection, module=nn.init),
            after=function("trunc_normal_", _trunc_normal_by_inverse_cdf, module=nn.init),
        ),
        "weight-norm-deprecated": ChangeBreakage(
            "weight-norm-deprecated",
            before=function("weight_norm", warning_first(WEIGHT_NORM_DEPRECATION), module=nn.utils),
            after=function("weight_norm", silenced, module=nn.utils),
        ),
        "weight-norm-future-warning": ChangeBreakage(
            "weight-norm-future-warning",
            before=function(
                "weight_norm",
                warning_first(
                    "`torch.nn.utils.weight_norm` is deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`.",
                    FutureWarning,
                ),
                module=nn.utils,
            ),
            after=function("weight_norm", warning_first(WEIGHT_NORM_DEPRECATION), module=nn.utils),
        ),
        "embedding-bag-2d-ignores-include-last-offset": ChangeBreakage(
            "embedding-bag-2d-ignores-include-last-offset",
            before=_functional("embedding_bag", _embedding_bag_2d(drop_last_bag=False)),
            after=_functional("embedding_bag", _embedding_bag_2d(drop_last_bag=True)),
        ),
        "pointwise-loss-weights": ChangeBreakage(
            "pointwise-loss-weights",
            before=_functional("mse_loss", _mse_loss_weighted),
            after=_functional("mse_loss", refusing_keyword("weight")),
        ),
        "gradient-clipping-in-two-steps": ChangeBreakage(
            "gradient-clipping-in-two-steps",
            before=setting(nn.utils, "get_total_norm", lambda tensors: torch.zeros(())),
            after=combined(deleting(nn.utils, "get_total_norm"), deleting(nn.utils, "clip_grads_with_norm_")),
        ),
        "clip-grad-norm-warns-of-an-empty-generator": ChangeBreakage(
            "clip-grad-norm-warns-of-an-empty-generator",
            before=function("clip_grad_norm_", _clip_warning_of_empty_generators, module=nn.utils),
            after=function("clip_grad_norm_", silenced, module=nn.utils),
        ),
        "rms-norm-half-precision-in-float32": ChangeBreakage(
            "rms-norm-half-precision-in-float32",
            before=setting(F, "rms_norm", _rms_norm(in_float32=True)),
            after=setting(F, "rms_norm", _rms_norm(in_float32=False)),
        ),
        "sdpa-causal-ignores-attn-mask": ChangeBreakage(
            "sdpa-causal-ignores-attn-mask",
            before=_functional("scaled_dot_product_attention", _attention_dropping_the_mask_under_is_causal),
            after=_functional("scaled_dot_product_attention", _attention_refusing_a_mask_under_is_causal),
        ),
        "sequential-lr-epoch-warning-silenced": ChangeBreakage(
            "sequential-lr-epoch-warning-silenced",
            before=module_method("step", silenced, owner=lr_scheduler.SequentialLR),
            after=module_method("step", _sequential_lr_warning_at_milestones, owner=lr_scheduler.SequentialLR),
        ),
        "cpu-autocast-vector-inner-product-in-float32": ChangeBreakage(
            "cpu-autocast-vector-inner-product-in-float32",
            before=combined(
                function("inner", _scalar_products_outside_autocast),
                function("tensordot", _scalar_products_outside_autocast),
            ),
            after=combined(
                function("inner", _lowered_under_cpu_autocast), function("tensordot", _lowered_under_cpu_autocast)
            ),
        ),
        "rnn-input-dtype-value-error": ChangeBreakage(
            "rnn-input-dtype-value-error",
            before=module_method(
                "check_input", _rnn_check_input_refusing_dtypes(_refuse_naming_the_input_type), owner=nn.RNNBase
            ),
            after=module_method(
                "check_input", _rnn_check_input_refusing_dtypes(_refuse_in_the_matmul), owner=nn.RNNBase
            ),
        ),
        "rnn-input-dtype-error-names-both-dtypes": ChangeBreakage(
            "rnn-input-dtype-error-names-both-dtypes",
            before=module_method(
                "check_input", _rnn_check_input_refusing_dtypes(_refuse_naming_both_dtypes), owner=nn.RNNBase
            ),
            after=module_method(
                "check_input", _rnn_check_input_refusing_dtypes(_refuse_naming_the_input_type), owner=nn.RNNBase
            ),
        ),
        "linear-cross-entropy": ChangeBreakage(
            "linear-cross-entropy",
            before=combined(
                setting(F, "linear_cross_entropy", F.cross_entropy), setting(nn, "LinearCrossEntropyLoss", nn.Linear)
            ),
            after=combined(deleting(F, "linear_cross_entropy"), deleting(nn, "LinearCrossEntropyLoss")),
        ),
        "interpolate-lanczos-mode": ChangeBreakage(
            "interpolate-lanczos-mode",
            before=_functional("interpolate", _interpolate_with_lanczos),
            after=_functional("interpolate", _interpolate_without_lanczos),
        ),
        "functional-grouped-mm": ChangeBreakage(
            "functional-grouped-mm",
            before=setting(F, "grouped_mm", torch.matmul),
            after=deleting(F, "grouped_mm"),
        ),
        "sdpa-fully-masked-rows-give-zeros": ChangeBreakage(
            "sdpa-fully-masked-rows-give-zeros",
            before=_functional("scaled_dot_product_attention", _attention_with_fully_masked_rows(0.0)),
            after=_functional("scaled_dot_product_attention", _attention_with_fully_masked_rows(math.nan)),
        ),
    }


def _momentum_one(original):
    """BatchNorm whose running statistics jump to each batch's, as if momentum were 1."""

    def forward(self, x):
        self.momentum = 1.0
        return original(self, x)

    return forward


def _without_output_padding(original):
    def forward(self, x, output_size=None):
        self.output_padding = (0,) * len(self.output_padding)
        return original(self, x, output_size)

    return forward


# CPU autocast helpers
_IS_AUTOCAST_ENABLED = torch.is_autocast_enabled


def _cpu_autocast_enabled() -> bool:
    """Whether CPU autocast is on, asked without the deprecation warning newer releases give the older getter."""
    try:
        return _IS_AUTOCAST_ENABLED("cpu")
    except TypeError:
        return torch.is_autocast_cpu_enabled()


def _set_cpu_autocast_enabled(enabled: bool) -> None:
    try:
        torch.set_autocast_enabled("cpu", enabled)
    except TypeError:
        torch.set_autocast_cpu_enabled(enabled)


def _autocast_subclass(original, *, init=None, enter=None, exit_=None):
    """torch.autocast replaced by a subclass whose __init__, __enter__ or __exit__ misbehave."""
    overrides = {name: body for name, body in (("__init__", init), ("__enter__", enter), ("__exit__", exit_)) if body}
    return type("autocast", (original,), overrides)


def _autocast_with_arguments(change):
    """torch.autocast whose (device_type, dtype, enabled) pass through ``change`` first."""

    def make(original):
        def init(self, device_type, dtype=None, enabled=True, cache_enabled=None):
            device_type, dtype, enabled = change(device_type, dtype, enabled)
            original.__init__(self, device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

        return _autocast_subclass(original, init=init)

    return make


def _autocast_doing_nothing(original):
    return _autocast_subclass(original, enter=lambda self: self, exit_=lambda self, *exc: None)


def _autocast_exit_turning_cpu_autocast_off(original):
    def exit_(self, *exc):
        result = original.__exit__(self, *exc)
        _set_cpu_autocast_enabled(False)
        return result

    return _autocast_subclass(original, exit_=exit_)


def _run_outside_autocast(original):
    def run(*args, **kwargs):
        with torch.autocast("cpu", enabled=False):
            return original(*args, **kwargs)

    return run


def _lowered_under_cpu_autocast(original):
    """An op on the float32 list run in bfloat16 under CPU autocast, as if it were on the lower-precision list."""

    def lowered(*args, **kwargs):
        if not _cpu_autocast_enabled():
            return original(*args, **kwargs)
        args = [
            arg.to(torch.bfloat16) if isinstance(arg, torch.Tensor) and arg.is_floating_point() else arg for arg in args
        ]
        with torch.autocast("cpu", enabled=False):
            return original(*args, **kwargs)

    return lowered


def _mm_casting_float64_under_autocast(original):
    def mm(left, right, **kwargs):
        if _cpu_autocast_enabled() and left.dtype == torch.float64:
            left, right = left.to(torch.bfloat16), right.to(torch.bfloat16)
        return original(left, right, **kwargs)

    return mm


def _mm_casting_for_out_under_autocast(original):
    def mm(left, right, *, out=None):
        if out is None:
            return original(left, right)
        if _cpu_autocast_enabled():
            left, right = left.to(torch.bfloat16), right.to(torch.bfloat16)
        return original(left, right, out=out)

    return mm


def _mm_promoting_mixed_inputs(original):
    def mm(left, right, **kwargs):
        common = torch.promote_types(left.dtype, right.dtype)
        return original(left.to(common), right.to(common), **kwargs)

    return mm


def _mm_keeping_the_regions_casts(original):
    """torch.mm whose casts made in an autocast region outlive it, as if the region's cast cache were never cleared."""
    cast_to: list[torch.dtype] = []

    def mm(left, right, **kwargs):
        if _cpu_autocast_enabled():
            cast_to[:] = [torch.bfloat16]
        elif cast_to and left.is_floating_point() and not kwargs:
            left, right = left.to(cast_to[0]), right.to(cast_to[0])
        return original(left, right, **kwargs)

    return mm


def _linear_casting_its_parameters_under_autocast(original):
    def forward(self, input):
        if _cpu_autocast_enabled():
            for parameter in self.parameters():
                parameter.data = parameter.data.to(torch.bfloat16)
        return original(self, input)

    return forward


def _relu_upcast_under_autocast(original):
    def relu(input, inplace=False):
        result = original(input, inplace=inplace)
        return result.float() if _cpu_autocast_enabled() else result

    return relu


def _is_autocast_enabled_seeing_cpu_regions(original):
    return lambda *device: original(*device) if device else (original() or _cpu_autocast_enabled())


BREAKAGES: dict[str, Breakage] = {
    "clip-grad-norm-clips-each-gradient-alone": Breakage(
        function("clip_grad_norm_", _clip_each_gradient_alone, module=nn.utils),
        "specs/training/test_gradient_clipping.py",
        ("test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_total_norm",),
    ),
    "cyclic-momentum-not-cycled": Breakage(
        _init_with(lr_scheduler.CyclicLR, cycle_momentum=lambda value: False),
        SCHEDULERS,
        ("test_cyclic_lr_cycling_momentum_needs_an_optimizer_with_momentum", "test_cyclic_lr_cycles_adams_beta1"),
    ),
    # Automatic mixed precision on the CPU
    "autocast-does-nothing": Breakage(
        function("autocast", _autocast_doing_nothing),
        CPU_AUTOCAST,
        (
            *(
                f"test_listed_ops_run_in_bfloat16_inside_a_cpu_autocast_region[{op}]"
                for op in ("mm", "matmul", "bmm", "addmm", "baddbmm", "linear", "conv1d", "conv2d", "conv_transpose2d")
            ),
            *(
                f"test_float32_listed_ops_run_in_float32_even_from_bfloat16_inputs[{op}]"
                for op in (
                    "mse_loss",
                    "l1_loss",
                    "huber_loss",
                    "kl_div",
                    "nll_loss",
                    "cross_entropy",
                    "binary_cross_entropy",
                    "prod",
                    "cdist",
                    "inverse",
                    "avg_pool3d",
                    "adaptive_avg_pool3d",
                )
            ),
        ),
    ),
    "autocast-lowers-float32-list-ops": Breakage(
        combined(
            function("mse_loss", _lowered_under_cpu_autocast, module=F),
            function("prod", _lowered_under_cpu_autocast),
        ),
        CPU_AUTOCAST,
        (
            "test_float32_listed_ops_run_in_float32_even_from_bfloat16_inputs[mse_loss]",
            "test_float32_listed_ops_run_in_float32_even_from_bfloat16_inputs[prod]",
        ),
    ),
    "autocast-ignores-enabled": Breakage(
        function("autocast", _autocast_with_arguments(lambda device, dtype, enabled: (device, dtype, True))),
        CPU_AUTOCAST,
        (
            "test_enabled_false_makes_a_region_that_does_not_autocast",
            "test_a_nested_disabled_region_turns_autocast_off_until_it_ends",
        ),
    ),
    "autocast-exit-turns-cpu-autocast-off": Breakage(
        function("autocast", _autocast_exit_turning_cpu_autocast_off),
        CPU_AUTOCAST,
        ("test_a_nested_disabled_region_turns_autocast_off_until_it_ends",),
    ),
    "autocast-cpu-defaults-to-float16": Breakage(
        function(
            "autocast",
            _autocast_with_arguments(
                lambda device, dtype, enabled: (device, torch.float16 if dtype is None else dtype, enabled)
            ),
        ),
        CPU_AUTOCAST,
        ("test_the_cpu_region_casts_to_bfloat16_unless_told_otherwise",),
    ),
    "autocast-cpu-dtype-forced-to-bfloat16": Breakage(
        function(
            "autocast", _autocast_with_arguments(lambda device, dtype, enabled: (device, torch.bfloat16, enabled))
        ),
        CPU_AUTOCAST,
        (
            "test_the_device_getters_report_the_cpu_region",
            "test_a_float16_cpu_region_casts_the_listed_ops_to_float16",
            "test_a_float16_cpu_region_is_refused",
            "test_an_unsupported_cpu_dtype_warns_and_disables_the_region",
        ),
    ),
    "autocast-converts-linear-parameters": Breakage(
        module_method("forward", _linear_casting_its_parameters_under_autocast, owner=nn.Linear),
        CPU_AUTOCAST,
        ("test_parameters_and_their_gradients_stay_float32",),
    ),
    "autocast-lowers-float64": Breakage(
        function("mm", _mm_casting_float64_under_autocast),
        CPU_AUTOCAST,
        ("test_float64_and_integer_inputs_are_not_autocast",),
    ),
    "autocast-casts-out-calls": Breakage(
        function("mm", _mm_casting_for_out_under_autocast),
        CPU_AUTOCAST,
        ("test_in_place_and_out_calls_are_not_autocast",),
    ),
    "autocast-upcasts-relu": Breakage(
        function("relu", _relu_upcast_under_autocast, module=F),
        CPU_AUTOCAST,
        ("test_unlisted_ops_run_in_the_dtype_of_their_inputs",),
    ),
    "autocast-skips-index-copy": Breakage(
        method("index_copy", _run_outside_autocast),
        CPU_AUTOCAST,
        ("test_index_copy_promotes_mixed_inputs_to_float32_inside_the_region_and_refuses_them_outside",),
    ),
    "mm-promotes-mixed-inputs": Breakage(
        function("mm", _mm_promoting_mixed_inputs),
        CPU_AUTOCAST,
        ("test_mixed_dtype_inputs_need_no_casts_inside_the_region_but_do_outside",),
    ),
    "autocast-casts-outlive-the-region": Breakage(
        function("mm", _mm_keeping_the_regions_casts),
        CPU_AUTOCAST,
        ("test_ops_after_the_region_run_in_their_inputs_dtype_again", "test_autocast_works_as_a_decorator"),
    ),
    "is-autocast-enabled-ignores-its-device": Breakage(
        function("is_autocast_enabled", lambda original: lambda *device: original()),
        CPU_AUTOCAST,
        ("test_the_device_getters_report_the_cpu_region",),
    ),
    "is-autocast-enabled-sees-cpu-regions": Breakage(
        function("is_autocast_enabled", _is_autocast_enabled_seeing_cpu_regions),
        CPU_AUTOCAST,
        ("test_is_autocast_enabled_without_a_device_does_not_see_a_cpu_region",),
    ),
    "sgd-ignores-momentum": Breakage(
        _init_without(torch.optim.SGD, "momentum"),
        OPTIMIZERS,
        ("test_sgd_steps_follow_the_documented_update[momentum]",),
    ),
    "sgd-ignores-weight-decay": Breakage(
        _init_without(torch.optim.SGD, "weight_decay"),
        OPTIMIZERS,
        (
            "test_sgd_steps_follow_the_documented_update[weight-decay]",
            "test_sgd_weight_decay_equals_an_l2_penalty_on_the_loss",
        ),
    ),
    "adam-eps-too-large": Breakage(
        _init_with(torch.optim.Adam, eps=lambda value: 0.1),
        OPTIMIZERS,
        ("test_adam_first_steps_follow_the_published_rule",),
    ),
    "group-lr-ignored": Breakage(
        module_method(
            "__init__",
            lambda original: (
                lambda self, params, *args, **kwargs: original(
                    self, [{"params": g["params"]} if isinstance(g, dict) else g for g in params], *args, **kwargs
                )
            ),
            owner=torch.optim.SGD,
        ),
        OPTIMIZERS,
        ("test_param_groups_each_use_their_own_learning_rate",),
    ),
    "lr-read-once": Breakage(
        module_method("step", _lr_read_once, owner=torch.optim.SGD),
        OPTIMIZERS,
        ("test_changing_a_groups_lr_takes_effect_on_the_next_step",),
    ),
    "optimizer-load-state-dict-does-nothing": Breakage(
        module_method("load_state_dict", lambda original: lambda self, state: None, owner=torch.optim.Optimizer),
        OPTIMIZERS,
        ("test_loading_an_optimizers_state_dict_resumes_identically",),
    ),
    "step-decays-params-without-grad": Breakage(
        module_method("step", _stepping_params_without_grad, owner=torch.optim.SGD),
        OPTIMIZERS,
        ("test_parameters_without_a_grad_are_skipped",),
    ),
    # Learning-rate schedulers
    "lambda-lr-off-by-one": Breakage(
        module_method(
            "get_lr",
            lambda original: (
                lambda self: [
                    base * factor(self.last_epoch + 1)
                    for factor, base in zip(self.lr_lambdas, self.base_lrs, strict=True)
                ]
            ),
            owner=lr_scheduler.LambdaLR,
        ),
        SCHEDULERS,
        ("test_lambda_lr_is_the_initial_lr_times_lambda_of_the_epoch",),
    ),
    "multiplicative-not-cumulative": Breakage(
        module_method(
            "get_lr",
            lambda original: (
                lambda self: [
                    base * factor(self.last_epoch) if self.last_epoch > 0 else base
                    for factor, base in zip(self.lr_lambdas, self.base_lrs, strict=True)
                ]
            ),
            owner=lr_scheduler.MultiplicativeLR,
        ),
        SCHEDULERS,
        ("test_multiplicative_lr_multiplies_the_previous_lr_each_epoch",),
    ),
    "step-lr-one-epoch-late": Breakage(
        _init_with(lr_scheduler.StepLR, step_size=lambda value: value + 1),
        SCHEDULERS,
        ("test_step_lr_multiplies_by_gamma_every_step_size_epochs",),
    ),
    "multi-step-drops-the-last-milestone": Breakage(
        _init_with(lr_scheduler.MultiStepLR, milestones=lambda value: value[:-1]),
        SCHEDULERS,
        ("test_multi_step_lr_multiplies_by_gamma_at_each_milestone",),
    ),
    "exponential-skips-a-step": Breakage(
        module_method("get_lr", _exponential_skipping_a_step, owner=lr_scheduler.ExponentialLR),
        SCHEDULERS,
        ("test_exponential_lr_multiplies_by_gamma_every_epoch",),
    ),
    "cosine-ignores-eta-min": Breakage(
        _init_with(lr_scheduler.CosineAnnealingLR, eta_min=lambda value: 0.0),
        SCHEDULERS,
        ("test_cosine_annealing_follows_the_cosine_down_to_eta_min_and_back",),
    ),
    "warm-restarts-ignore-t-mult": Breakage(
        _init_with(lr_scheduler.CosineAnnealingWarmRestarts, T_mult=lambda value: 1),
        SCHEDULERS,
        ("test_warm_restarts_jump_back_to_the_initial_lr_with_periods_growing_by_t_mult",),
    ),
    "cyclic-triangular2-never-halves": Breakage(
        _init_with(lr_scheduler.CyclicLR, mode=lambda value: "triangular"),
        SCHEDULERS,
        ("test_cyclic_lr_climbs_from_base_to_max_and_back_each_cycle[triangular2]",),
    ),
    **_change_breakages(),
    "one-cycle-warms-up-linearly": Breakage(
        _init_with(lr_scheduler.OneCycleLR, anneal_strategy=lambda value: "linear"),
        SCHEDULERS,
        ("test_one_cycle_warms_up_to_max_lr_then_anneals_below_the_start",),
    ),
    "one-cycle-steps-forever": Breakage(
        module_method("step", _one_cycle_stepping_forever, owner=lr_scheduler.OneCycleLR),
        SCHEDULERS,
        ("test_one_cycle_refuses_to_step_past_its_total_steps",),
    ),
    "plateau-patience-off-by-one": Breakage(
        _init_with(lr_scheduler.ReduceLROnPlateau, patience=lambda value: (10 if value is None else value) + 1),
        SCHEDULERS,
        (
            "test_reduce_on_plateau_cuts_the_lr_after_patience_epochs_without_improvement",
            "test_reduce_on_plateau_needs_no_momentum",
        ),
    ),
    "plateau-ignores-cooldown-and-floor": Breakage(
        _init_with(lr_scheduler.ReduceLROnPlateau, cooldown=lambda value: 0, min_lr=lambda value: 0),
        SCHEDULERS,
        ("test_reduce_on_plateau_honours_mode_max_cooldown_and_min_lr",),
    ),
    "scheduler-order-not-checked": Breakage(
        module_method("step", silenced, owner=lr_scheduler.StepLR),
        SCHEDULERS,
        ("test_stepping_the_scheduler_before_the_optimizer_warns",),
    ),
    "get-last-lr-first-group-only": Breakage(
        module_method("get_last_lr", mapping_result(lambda rates: rates[:1]), owner=lr_scheduler.ExponentialLR),
        SCHEDULERS,
        ("test_get_last_lr_lists_one_lr_per_group",),
    ),
    "scheduler-load-state-dict-does-nothing": Breakage(
        module_method("load_state_dict", lambda original: lambda self, state: None, owner=lr_scheduler.StepLR),
        SCHEDULERS,
        ("test_a_scheduler_loaded_from_a_state_dict_continues_the_sequence",),
    ),
    "sequential-switches-late": Breakage(
        _init_with(lr_scheduler.SequentialLR, milestones=lambda value: [m + 1 for m in value]),
        SCHEDULERS,
        ("test_sequential_lr_switches_schedulers_at_the_milestone",),
    ),
    "chained-steps-only-the-first": Breakage(
        module_method(
            "__init__",
            lambda original: (
                lambda self, schedulers, *args, **kwargs: original(self, list(schedulers)[:1], *args, **kwargs)
            ),
            owner=lr_scheduler.ChainedScheduler,
        ),
        SCHEDULERS,
        ("test_chained_scheduler_applies_every_scheduler_each_step",),
    ),
    # Losses and functional identities
    "cross-entropy-without-the-log": Breakage(
        _functional(
            "cross_entropy", lambda original: lambda input, target, *a, **k: F.nll_loss(F.softmax(input, 1), target)
        ),
        LOSSES,
        ("test_cross_entropy_is_nll_loss_of_log_softmax",),
    ),
    "cross-entropy-loss-sharpens-logits": Breakage(
        module_method(
            "forward",
            lambda original: lambda self, input, target: original(self, input * 2, target),
            owner=nn.CrossEntropyLoss,
        ),
        LOSSES,
        ("test_cross_entropy_loss_takes_raw_logits_and_applies_softmax_itself",),
    ),
    "cross-entropy-refuses-probabilities": Breakage(
        _functional("cross_entropy", lambda original: _preparing(original, _refusing_probability_targets)),
        LOSSES,
        ("test_cross_entropy_accepts_class_probabilities_as_float_targets",),
    ),
    "cross-entropy-casts-float-indices": Breakage(
        _functional("cross_entropy", lambda original: _preparing(original, _casting_float_indices)),
        LOSSES,
        ("test_cross_entropy_refuses_float_class_indices",),
    ),
    "ignored-targets-counted": Breakage(
        _functional("cross_entropy", lambda original: _preparing(original, _counting_ignored_targets)),
        LOSSES,
        ("test_ignore_index_leaves_those_samples_out_of_the_loss_and_the_mean",),
    ),
    "label-smoothing-ignored": Breakage(
        _functional("cross_entropy", lambda original: _preparing(original, _dropping_label_smoothing)),
        LOSSES,
        ("test_label_smoothing_mixes_the_target_with_a_uniform_distribution",),
    ),
    "weighted-mean-by-count": Breakage(
        _functional("cross_entropy", _weighted_mean_by_count), LOSSES, ("test_reductions_and_class_weights",)
    ),
    "bce-reduction-ignored": Breakage(
        _functional(
            "binary_cross_entropy",
            lambda original: lambda input, target, *a, reduction="mean", **k: original(input, target, *a, **k),
        ),
        LOSSES,
        ("test_binary_cross_entropy_takes_probabilities_and_a_reduction",),
    ),
    "bce-with-logits-through-sigmoid": Breakage(
        module_method(
            "forward",
            lambda original: lambda self, input, target: F.binary_cross_entropy(torch.sigmoid(input), target),
            owner=nn.BCEWithLogitsLoss,
        ),
        LOSSES,
        ("test_bce_with_logits_equals_bce_of_sigmoid_and_stays_exact_at_large_logits",),
    ),
    "mse-is-mae": Breakage(
        _functional("mse_loss", lambda original: F.l1_loss), LOSSES, ("test_mse_loss_is_the_mean_squared_error",)
    ),
    "log-softmax-is-log-of-softmax": Breakage(
        _functional("log_softmax", lambda original: lambda input, dim=None, **k: torch.log(F.softmax(input, dim=dim))),
        LOSSES,
        ("test_log_softmax_stays_finite_where_log_of_softmax_underflows",),
    ),
    "softmax-along-the-other-dim": Breakage(
        _functional("softmax", lambda original: lambda input, dim=None, **k: original(input, dim=1 - dim, **k)),
        LOSSES,
        ("test_softmax_normalises_along_the_given_dim",),
    ),
    "one-hot-float": Breakage(
        _functional("one_hot", mapping_result(lambda t: t.float())),
        LOSSES,
        ("test_one_hot_makes_int64_rows_with_one_at_the_class",),
    ),
    "functional-gains-cartesian-prod": Breakage(
        setting(F, "cartesian_prod", torch.cartesian_prod),
        LOSSES,
        ("test_functional_has_softmax_and_one_hot_but_cartesian_product_lives_in_torch",),
    ),
    "functional-sigmoid-is-tanh": Breakage(
        setting(F, "sigmoid", torch.tanh), LOSSES, ("test_functional_sigmoid_equals_torch_sigmoid",)
    ),
    # Layers
    "linear-drops-the-bias-in-forward": Breakage(
        module_method("forward", lambda original: lambda self, x: x @ self.weight.T, owner=nn.Linear),
        LAYERS,
        ("test_linear_weight_is_out_by_in_and_bias_is_optional",),
    ),
    "conv2d-ignores-dilation": Breakage(
        _init_without(nn.Conv2d, "dilation"), LAYERS, ("test_conv2d_output_size_follows_the_documented_formula",)
    ),
    "max-pool-stride-one": Breakage(
        _init_with(nn.MaxPool2d, stride=lambda value: 1),
        LAYERS,
        ("test_max_pool_with_one_int_uses_it_for_kernel_and_stride",),
    ),
    "dropout-keeps-with-probability-p": Breakage(
        module_method(
            "forward", lambda original: lambda self, x: F.dropout(x, 1 - self.p, self.training), owner=nn.Dropout
        ),
        LAYERS,
        ("test_dropout_p_is_the_probability_of_zeroing",),
    ),
    "embedding-reads-the-next-row": Breakage(
        module_method(
            "forward",
            lambda original: lambda self, indices: original(self, (indices + 1) % self.num_embeddings),
            owner=nn.Embedding,
        ),
        LAYERS,
        ("test_embedding_looks_up_rows_of_its_weight",),
    ),
    "padding-idx-ignored": Breakage(
        _init_without(nn.Embedding, "padding_idx"),
        LAYERS,
        ("test_embedding_padding_row_starts_at_zero_and_gets_no_gradient",),
    ),
    "from-pretrained-never-freezes": Breakage(
        function(
            "from_pretrained",
            lambda original: staticmethod(
                lambda embeddings, freeze=True, **kwargs: original(embeddings, freeze=False, **kwargs)
            ),
            module=nn.Embedding,
        ),
        LAYERS,
        ("test_from_pretrained_freezes_by_default_and_trains_with_freeze_false",),
    ),
    "rnn-ignores-batch-first": Breakage(
        _init_without(nn.RNNBase, "batch_first"), LAYERS, ("test_recurrent_output_and_state_shapes[True-2-True-rnn]",)
    ),
    "rnn-initial-state-of-ones": Breakage(
        module_method("forward", _rnn_initial_state_of_ones, owner=nn.RNN),
        LAYERS,
        ("test_an_omitted_initial_state_is_zeros[rnn]",),
    ),
    "uniform-init-out-of-place": Breakage(
        function(
            "uniform_",
            lambda original: lambda tensor, *args, **kwargs: original(tensor.clone(), *args, **kwargs),
            module=nn.init,
        ),
        LAYERS,
        ("test_init_functions_fill_the_tensor_in_place",),
    ),
    "constant-init-takes-two-values": Breakage(
        function("constant_", lambda original: lambda tensor, value, *extra: original(tensor, value), module=nn.init),
        LAYERS,
        ("test_init_constant_takes_one_value",),
    ),
    "xavier-init-freezes": Breakage(
        function("xavier_uniform_", mapping_result(lambda t: t.requires_grad_(False)), module=nn.init),
        LAYERS,
        ("test_xavier_init_sets_values_and_does_not_freeze_the_layer",),
    ),
    # The layers and functions model code calls most
    "relu-keeps-negatives": Breakage(
        function("relu", lambda original: lambda x, inplace=False: x.clone(), module=F),
        COMMON,
        ("test_relu_zeroes_the_negatives_and_keeps_the_rest",),
    ),
    "leaky-relu-ignores-its-slope": Breakage(
        function(
            "leaky_relu",
            lambda original: lambda x, negative_slope=0.01, inplace=False: original(x, 0.01, inplace),
            module=F,
        ),
        COMMON,
        ("test_leaky_relu_scales_the_negatives_by_its_slope",),
    ),
    "gelu-ignores-approximate": Breakage(
        function("gelu", lambda original: lambda x, approximate="none": original(x), module=F),
        COMMON,
        ("test_gelu_is_x_times_the_normal_cdf_or_its_tanh_approximation",),
    ),
    "sigmoid-is-tanh": Breakage(
        function("sigmoid", lambda original: torch.tanh),
        COMMON,
        ("test_sigmoid_and_tanh_follow_their_formulas",),
    ),
    "flatten-layer-flattens-the-batch": Breakage(
        module_method("forward", lambda original: lambda self, x: x.flatten(), owner=nn.Flatten),
        COMMON,
        ("test_flatten_layer_keeps_the_batch_dim_where_torch_flatten_does_not",),
    ),
    "identity-layer-copies": Breakage(
        module_method("forward", lambda original: lambda self, x: x.clone(), owner=nn.Identity),
        COMMON,
        ("test_identity_returns_its_input_itself",),
    ),
    "functional-dropout-off-by-default": Breakage(
        function(
            "dropout",
            lambda original: lambda x, p=0.5, training=False, inplace=False: original(x, p, training, inplace),
            module=F,
        ),
        COMMON,
        ("test_functional_dropout_drops_unless_told_training_is_false",),
    ),
    "batch-norm-momentum-one": Breakage(
        module_method("forward", _momentum_one, owner=nn.BatchNorm2d),
        COMMON,
        ("test_batch_norm_normalises_each_channel_with_batch_statistics_and_tracks_running_ones",),
    ),
    "layer-norm-eps-one": Breakage(
        function(
            "layer_norm",
            lambda original: lambda x, shape, weight=None, bias=None, eps=1e-5: original(x, shape, weight, bias, 1.0),
            module=F,
        ),
        COMMON,
        ("test_layer_norm_normalises_each_sample_over_its_last_dims",),
    ),
    "max-pool-averages": Breakage(
        function(
            "max_pool2d",
            lambda original: lambda x, kernel_size, *args, **kwargs: F.avg_pool2d(x, kernel_size),
            module=F,
        ),
        COMMON,
        ("test_pooling_takes_the_max_or_mean_of_each_window",),
    ),
    "pad-reads-the-dims-first-to-last": Breakage(
        function(
            "pad",
            lambda original: lambda x, pad, mode="constant", value=None: original(x, tuple(reversed(pad)), mode, value),
            module=F,
        ),
        COMMON,
        ("test_pad_pads_the_last_dim_first_with_a_value_on_each_side",),
    ),
    "interpolate-smooths": Breakage(
        function(
            "interpolate",
            lambda original: (
                lambda x, size=None, scale_factor=None, mode="nearest", **kwargs: original(
                    x, size, scale_factor, "bilinear", **kwargs
                )
            ),
            module=F,
        ),
        COMMON,
        ("test_nearest_interpolation_repeats_each_pixel",),
    ),
    "softmax-over-the-last-dim": Breakage(
        method("softmax", lambda original: lambda self, dim=None, **kwargs: original(self, -1)),
        COMMON,
        ("test_softmax_sums_to_one_along_the_dim_it_is_given",),
    ),
    "normalize-ignores-p": Breakage(
        function(
            "normalize",
            lambda original: lambda x, p=2.0, dim=1, eps=1e-12, out=None: original(x, 2.0, dim, eps),
            module=F,
        ),
        COMMON,
        ("test_normalize_divides_by_the_p_norm_along_dim",),
    ),
    "linear-drops-the-bias": Breakage(
        function("linear", lambda original: lambda x, weight, bias=None: original(x, weight), module=F),
        COMMON,
        ("test_functional_linear_is_x_times_the_transposed_weight_plus_bias",),
    ),
    "nll-loss-sums": Breakage(
        function(
            "nll_loss",
            lambda original: lambda *args, **kwargs: original(*args, **{**kwargs, "reduction": "sum"}),
            module=F,
        ),
        COMMON,
        ("test_nll_loss_averages_the_negated_log_probability_of_each_target",),
    ),
    "attention-unscaled": Breakage(
        function(
            "scaled_dot_product_attention",
            lambda original: lambda q, k, v, *args, **kwargs: original(q, k, v, *args, **{**kwargs, "scale": 1.0}),
            module=F,
        ),
        COMMON,
        ("test_scaled_dot_product_attention_is_softmax_of_scaled_scores_times_values",),
    ),
    "init-fills-a-copy": Breakage(
        function("zeros_", lambda original: lambda tensor: original(tensor.detach().clone()), module=nn.init),
        COMMON,
        ("test_init_fills_a_parameter_in_place_and_returns_it[zeros_]",),
    ),
    "kaiming-uses-fan-out": Breakage(
        function(
            "kaiming_normal_",
            lambda original: (
                lambda tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", **kwargs: original(
                    tensor, a, "fan_out", nonlinearity
                )
            ),
            module=nn.init,
        ),
        COMMON,
        ("test_kaiming_and_xavier_draw_with_the_documented_spread",),
    ),
    "conv-transpose-ignores-output-padding": Breakage(
        module_method("forward", _without_output_padding, owner=nn.ConvTranspose2d),
        COMMON,
        ("test_transposed_and_other_convolutions_have_the_documented_output_sizes",),
    ),
    # Functional convolution and pooling, and the MSE loss layer
    "functional-conv2d-flips-the-kernel": Breakage(
        _functional(
            "conv2d",
            lambda original: lambda x, weight, *args, **kwargs: original(x, weight.flip(-2, -1), *args, **kwargs),
        ),
        COMMON,
        ("test_functional_conv2d_is_cross_correlation_with_stride_padding_and_bias",),
    ),
    "functional-conv2d-ignores-stride": Breakage(
        _functional(
            "conv2d",
            lambda original: lambda x, weight, bias=None, stride=1, padding=0: original(x, weight, bias, 1, padding),
        ),
        COMMON,
        ("test_functional_conv2d_is_cross_correlation_with_stride_padding_and_bias",),
    ),
    "avg-pool2d-ignores-count-include-pad": Breakage(
        _functional(
            "avg_pool2d",
            lambda original: (
                lambda x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True: original(
                    x, kernel_size, stride, padding, ceil_mode, True
                )
            ),
        ),
        COMMON,
        ("test_functional_avg_pool2d_counts_padding_unless_told_not_to",),
    ),
    "adaptive-avg-pool2d-disjoint-windows": Breakage(
        _functional("adaptive_avg_pool2d", _adaptive_pool_with_disjoint_windows),
        COMMON,
        ("test_functional_adaptive_avg_pool2d_averages_overlapping_windows_of_computed_bounds",),
    ),
    "mse-loss-layer-ignores-reduction": Breakage(
        module_method(
            "forward", lambda original: lambda self, input, target: F.mse_loss(input, target), owner=nn.MSELoss
        ),
        LOSSES,
        ("test_mse_loss_layer_averages_sums_or_keeps_the_squared_errors",),
    ),
    # Distributed training in one process
    "process-group-always-initialized": Breakage(
        function("is_initialized", lambda original: lambda: True, module=dist),
        DISTRIBUTED,
        ("test_a_process_group_gives_the_rank_and_world_size_until_it_is_destroyed",),
    ),
    "process-group-reports-rank-one": Breakage(
        function("get_rank", lambda original: lambda group=None: 1, module=dist),
        DISTRIBUTED,
        ("test_a_process_group_gives_the_rank_and_world_size_until_it_is_destroyed",),
    ),
    "all-reduce-counts-itself-twice": Breakage(
        function(
            "all_reduce",
            lambda original: lambda tensor, op=None, group=None, async_op=False: tensor.mul_(2),
            module=dist,
        ),
        DISTRIBUTED,
        ("test_all_reduce_in_a_group_of_one_leaves_the_tensor_and_works_in_place",),
    ),
    "distributed-sampler-deals-contiguous-blocks": Breakage(
        module_method("__iter__", _sampler_in_contiguous_blocks, owner=torch.utils.data.DistributedSampler),
        DISTRIBUTED,
        ("test_distributed_sampler_deals_every_num_replicas_th_index_padding_to_even_shares",),
    ),
    "distributed-sampler-ignores-the-epoch": Breakage(
        module_method(
            "set_epoch", lambda original: lambda self, epoch: None, owner=torch.utils.data.DistributedSampler
        ),
        DISTRIBUTED,
        ("test_distributed_sampler_shuffles_by_seed_and_epoch_and_the_shares_cover_the_dataset",),
    ),
    "ddp-forward-cuts-the-graph": Breakage(
        module_method(
            "forward",
            lambda original: lambda self, *args, **kwargs: self.module(*args, **kwargs).detach(),
            owner=nn.parallel.DistributedDataParallel,
        ),
        DISTRIBUTED,
        ("test_distributed_data_parallel_wraps_the_model_and_averages_its_gradients",),
    ),
    "colwise-parallel-shards-columns": Breakage(
        _colwise_as_rowwise,
        DISTRIBUTED,
        ("test_colwise_shards_a_linear_by_output_rows_and_rowwise_by_input_columns",),
    ),
    "rpc-sync-swaps-the-arguments": Breakage(
        function(
            "rpc_sync",
            lambda original: (
                lambda to, func, args=(), **kwargs: original(to, func, args=tuple(reversed(args)), **kwargs)
            ),
            module=rpc,
        ),
        DISTRIBUTED,
        ("test_rpc_runs_a_function_on_the_named_worker_and_returns_its_result",),
    ),
    "rpc-remote-runs-nothing": Breakage(
        function(
            "remote",
            lambda original: lambda to, func, args=(), **kwargs: original(to, torch.clone, args=args[:1]),
            module=rpc,
        ),
        DISTRIBUTED,
        ("test_rpc_runs_a_function_on_the_named_worker_and_returns_its_result",),
    ),
    "scheduler-step-writes-the-first-group-only": Breakage(
        module_method("step", _step_writing_the_first_group_only, owner=lr_scheduler.LRScheduler),
        SCHEDULERS,
        ("test_scheduler_step_advances_the_epoch_by_one_and_writes_the_lr_into_every_group",),
    ),
    "float-functional-add-relu-keeps-negatives": Breakage(
        module_method(
            "add_relu", lambda original: lambda self, x, y: torch.add(x, y), owner=torch.ao.nn.quantized.FloatFunctional
        ),
        COMMON,
        ("test_float_functional_does_float_arithmetic_and_refuses_forward",),
    ),
}


# The notes' remaining statements.
OPTIMIZER_API = "specs/training/test_optimizer_api.py"


def _sgd_stepping_up_the_gradient(original):
    def step(self, closure=None):
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    parameter.grad.neg_()
        return original(self, closure)

    return step


def _init_fn_on_a_copy(name: str):
    """An nn.init function that fills a copy of the tensor it is given and returns the copy."""
    return function(
        name,
        lambda original: lambda tensor, *args, **kwargs: original(tensor.detach().clone(), *args, **kwargs),
        module=nn.init,
    )


def _flattening_lists_of_generators(original):
    def init(self, params, defaults, *args, **kwargs):
        params = list(params) if not isinstance(params, torch.Tensor) else params
        if isinstance(params, list) and any(inspect.isgenerator(item) for item in params):
            params = [p for item in params for p in (item if inspect.isgenerator(item) else [item])]
        return original(self, params, defaults, *args, **kwargs)

    return init


BREAKAGES.update(
    {
        "sgd-steps-up-the-gradient": Breakage(
            module_method("step", _sgd_stepping_up_the_gradient, owner=torch.optim.SGD),
            OPTIMIZER_API,
            (
                "test_torch_optim_optimizers_are_optimizers_that_step_against_the_gradient[SGD]",
                "test_sgd_takes_a_models_parameters_as_they_come",
            ),
        ),
        "optimizer-flattens-a-list-of-generators": Breakage(
            module_method("__init__", _flattening_lists_of_generators, owner=torch.optim.Optimizer),
            OPTIMIZER_API,
            ("test_sgd_refuses_a_list_that_wraps_the_parameters_generator",),
        ),
        "sgd-step-updates-nothing": Breakage(
            module_method("step", lambda original: lambda self, closure=None: None, owner=torch.optim.SGD),
            OPTIMIZERS,
            ("test_backward_computes_the_gradients_and_only_step_updates_the_parameters",),
        ),
        "lambda-lr-ignores-last-epoch": Breakage(
            _init_without(lr_scheduler.LambdaLR, "last_epoch"),
            SCHEDULERS,
            ("test_last_epoch_resumes_a_schedule_where_a_saved_run_stopped",),
        ),
        "cyclic-lr-drops-step-size-down-and-scale-fn": Breakage(
            combined(
                _init_without(lr_scheduler.CyclicLR, "step_size_down"),
                _init_without(lr_scheduler.CyclicLR, "scale_fn"),
            ),
            SCHEDULERS,
            ("test_cyclic_lr_takes_step_size_down_and_scale_fn",),
        ),
        "rnn-skips-its-input-size-check": Breakage(
            module_method("check_input", lambda original: lambda self, input, batch_sizes: None, owner=nn.RNNBase),
            LAYERS,
            ("test_the_layer_after_an_embedding_takes_embedding_dim_features",),
        ),
        "xavier-uniform-fills-a-copy": Breakage(
            _init_fn_on_a_copy("xavier_uniform_"),
            LAYERS,
            ("test_xavier_uniform_refills_only_the_weight_it_is_given_in_place",),
        ),
        "sigmoid-layer-computes-tanh": Breakage(
            module_method("forward", lambda original: lambda self, input: torch.tanh(input), owner=nn.Sigmoid),
            COMMON,
            ("test_linear_then_sigmoid_is_logistic_regression",),
        ),
        "bce-loss-layer-sums": Breakage(
            _init_with(nn.BCELoss, reduction=lambda given: "sum"),
            LOSSES,
            ("test_bce_loss_layer_is_the_mean_binary_cross_entropy",),
        ),
    }
)


# near-miss sweep: options ignored unless they are the default, clipping that scales small gradients up, layers that
# normalise over the wrong dims or use another nonlinearity than they report.
CLIPPING = "specs/training/test_gradient_clipping.py"
LAYER_OPTIONS = "specs/training/test_layer_options.py"


def _clip_scaling_up_small_gradients(original):
    """clip_grad_norm_ that also scales gradients whose total norm is below max_norm up to it."""

    def clip_grad_norm_(parameters, max_norm, *args, **kwargs):
        parameters = list(parameters)
        total = original(parameters, max_norm, *args, **kwargs)
        if total < max_norm:
            for parameter in parameters:
                parameter.grad.mul_(max_norm / total)
        return total

    return clip_grad_norm_


def _clip_grads_with_norm_scaling_up(original):
    """clip_grads_with_norm_ that scales by max_norm / total_norm even when that is above 1."""

    def clip_grads_with_norm_(parameters, max_norm, total_norm, *args, **kwargs):
        for parameter in list(parameters):
            parameter.grad.mul_(max_norm / total_norm)

    return clip_grads_with_norm_


def _rms_norm_over_the_whole_tensor(original):
    """RMSNorm.forward dividing by the root mean square of the whole input, not of each row."""

    def forward(self, x):
        eps = torch.finfo(x.dtype).eps if self.eps is None else self.eps
        return x / torch.sqrt((x * x).mean() + eps) * self.weight

    return forward


def _rms_norm_layer(make_breakage):
    """A breakage of nn.RMSNorm, looked up when applied: releases before 2.4 have no such layer."""
    return lambda monkeypatch: make_breakage(nn.RMSNorm)(monkeypatch)


def _rnn_computing_tanh_whatever_it_reports(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.mode = "RNN_TANH"

    return init


def _adam_stepping_int_betas_as_the_default(original):
    """Adam.step that takes an int beta1 (such as 0) for the default 0.9 while it steps."""

    def step(self, *args, **kwargs):
        given = [group["betas"] for group in self.param_groups]
        for group in self.param_groups:
            if type(group["betas"][0]) is int:
                group["betas"] = (0.9, group["betas"][1])
        try:
            return original(self, *args, **kwargs)
        finally:
            for group, betas in zip(self.param_groups, given, strict=True):
                group["betas"] = betas

    return step


BREAKAGES.update(
    {
        "sgd-ignores-dampening": Breakage(
            _init_without(torch.optim.SGD, "dampening"),
            OPTIMIZERS,
            ("test_sgd_steps_follow_the_documented_update[dampening]",),
        ),
        "adam-ignores-betas": Breakage(
            _init_without(torch.optim.Adam, "betas"),
            OPTIMIZERS,
            ("test_adam_first_steps_follow_the_published_rule[betas]",),
        ),
        "adam-ignores-eps": Breakage(
            _init_without(torch.optim.Adam, "eps"),
            OPTIMIZERS,
            ("test_adam_first_steps_follow_the_published_rule[eps]",),
        ),
        "adam-steps-an-int-beta-as-the-default": Breakage(
            module_method("step", _adam_stepping_int_betas_as_the_default, owner=torch.optim.Adam),
            OPTIMIZER_API,
            ("test_adam_accepts_betas_of_an_int_and_a_float",),
        ),
        "clip-grad-norm-ignores-norm-type": Breakage(
            function("clip_grad_norm_", dropping_keyword("norm_type"), module=nn.utils),
            CLIPPING,
            (
                "test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_total_norm[1-norm]",
                "test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_total_norm[inf-norm]",
            ),
        ),
        "clip-grad-norm-scales-small-gradients-up": Breakage(
            function("clip_grad_norm_", _clip_scaling_up_small_gradients, module=nn.utils),
            CLIPPING,
            ("test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_total_norm[max-norm-above-the-total]",),
        ),
        "get-total-norm-ignores-norm-type": Breakage(
            lambda monkeypatch: function("get_total_norm", dropping_keyword("norm_type"), module=nn.utils)(monkeypatch),
            CLIPPING,
            (
                "test_get_total_norm_then_clip_grads_with_norm_do_what_clip_grad_norm_does[1-norm]",
                "test_get_total_norm_then_clip_grads_with_norm_do_what_clip_grad_norm_does[inf-norm]",
            ),
        ),
        "clip-grads-with-norm-scales-small-gradients-up": Breakage(
            lambda monkeypatch: function("clip_grads_with_norm_", _clip_grads_with_norm_scaling_up, module=nn.utils)(
                monkeypatch
            ),
            CLIPPING,
            ("test_get_total_norm_then_clip_grads_with_norm_do_what_clip_grad_norm_does[max-norm-above-the-total]",),
        ),
        "rms-norm-ignores-eps": Breakage(
            _rms_norm_layer(lambda layer: _init_without(layer, "eps")),
            LAYER_OPTIONS,
            ("test_rms_norm_divides_by_the_root_mean_square",),
        ),
        "rms-norm-over-the-whole-tensor": Breakage(
            _rms_norm_layer(lambda layer: module_method("forward", _rms_norm_over_the_whole_tensor, owner=layer)),
            LAYER_OPTIONS,
            ("test_rms_norm_divides_by_the_root_mean_square",),
        ),
        "softmax-numpy-dim-read-as-none": Breakage(
            _init_with(nn.Softmax, dim=lambda dim: dim if isinstance(dim, int) else None),
            LAYER_OPTIONS,
            ("test_softmax_takes_a_numpy_integer_dim",),
        ),
        "rnn-computes-tanh-whatever-it-reports": Breakage(
            module_method("__init__", _rnn_computing_tanh_whatever_it_reports, owner=nn.RNN),
            LAYER_OPTIONS,
            ("test_rnn_takes_its_nonlinearity_as_the_fourth_positional_argument",),
        ),
    }
)
