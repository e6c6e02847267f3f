"""Learning-rate schedulers: exact sequences against closed-form formulas, stepping order, state, and verbose."""

import math
import warnings

import pytest
import torch
from torch import nn
from torch.optim import lr_scheduler

from torchspecs.assertions import assert_close, assert_equal

STEPS = 12


def _optimizer(optimizer_class=torch.optim.SGD, lr: float = 1.0, **options) -> torch.optim.Optimizer:
    return optimizer_class([nn.Parameter(torch.zeros(1))], lr=lr, **options)


def _learning_rates(make_scheduler, steps: int = STEPS, **optimizer_options) -> list[float]:
    """The lr before any step, then after each of ``steps`` optimizer.step(); scheduler.step() pairs."""
    optimizer = _optimizer(**optimizer_options)
    scheduler = make_scheduler(optimizer)
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    return rates


def _assert_sequence(actual: list[float], expected: list[float]) -> None:
    __tracebackhide__ = True
    assert_close(torch.tensor(actual, dtype=torch.float64), torch.tensor(expected, dtype=torch.float64))


def _cosine(lr: float, floor: float, position: float, period: float) -> float:
    return floor + (lr - floor) * (1 + math.cos(math.pi * position / period)) / 2


@pytest.mark.doc("torch.optim.lr_scheduler.LambdaLR")
@pytest.mark.claim("003.lambda-lr-multiplies-initial-lr", verdict="holds")
def test_lambda_lr_is_the_initial_lr_times_lambda_of_the_epoch():
    """LambdaLR sets lr = initial lr * lr_lambda(epoch)."""
    rates = _learning_rates(lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 1 / (epoch + 1)))
    _assert_sequence(rates, [1 / (epoch + 1) for epoch in range(STEPS + 1)])


@pytest.mark.doc("torch.optim.lr_scheduler.MultiplicativeLR")
@pytest.mark.claim("003.multiplicative-lr-cumulative", verdict="holds")
def test_multiplicative_lr_multiplies_the_previous_lr_each_epoch():
    """MultiplicativeLR multiplies the current lr by lr_lambda(epoch) at each step: a cumulative product."""
    rates = _learning_rates(lambda o: lr_scheduler.MultiplicativeLR(o, lambda epoch: 0.5 if epoch % 2 else 0.9))
    expected = [math.prod(0.5 if e % 2 else 0.9 for e in range(1, epoch + 1)) for epoch in range(STEPS + 1)]
    _assert_sequence(rates, expected)


@pytest.mark.doc("torch.optim.lr_scheduler.StepLR")
@pytest.mark.claim("003.step-lr-every-step-size", verdict="holds")
def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    """StepLR(step_size=3, gamma=0.1) sets lr = initial lr * 0.1 ** (epoch // 3)."""
    rates = _learning_rates(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.1))
    _assert_sequence(rates, [0.1 ** (epoch // 3) for epoch in range(STEPS + 1)])


@pytest.mark.doc("torch.optim.lr_scheduler.MultiStepLR")
@pytest.mark.claim("003.multi-step-lr-at-milestones", verdict="holds")
def test_multi_step_lr_multiplies_by_gamma_at_each_milestone():
    """MultiStepLR(milestones=[2, 5]) multiplies lr by gamma when the epoch reaches each milestone."""
    rates = _learning_rates(lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.5))
    _assert_sequence(rates, [0.5 ** sum(epoch >= m for m in (2, 5)) for epoch in range(STEPS + 1)])


@pytest.mark.doc("torch.optim.lr_scheduler.ExponentialLR")
@pytest.mark.claim("003.exponential-lr-every-epoch", verdict="holds")
def test_exponential_lr_multiplies_by_gamma_every_epoch():
    """ExponentialLR sets lr = initial lr * gamma ** epoch."""
    rates = _learning_rates(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8))
    _assert_sequence(rates, [0.8**epoch for epoch in range(STEPS + 1)])


@pytest.mark.doc("torch.optim.lr_scheduler.CosineAnnealingLR")
@pytest.mark.claim("003.cosine-annealing-returns-to-initial", verdict="holds")
def test_cosine_annealing_follows_the_cosine_down_to_eta_min_and_back():
    """CosineAnnealingLR follows eta_min + (lr - eta_min)(1 + cos(pi e / T_max)) / 2: down by T_max, back up by 2 T_max."""
    rates = _learning_rates(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=3, eta_min=0.1))
    _assert_sequence(rates, [_cosine(1.0, 0.1, epoch, 3) for epoch in range(STEPS + 1)])


@pytest.mark.doc("torch.optim.lr_scheduler.CosineAnnealingWarmRestarts")
@pytest.mark.claim("003.warm-restarts-return-over-t-mult", verdict="wrong")
def test_warm_restarts_jump_back_to_the_initial_lr_with_periods_growing_by_t_mult():
    """CosineAnnealingWarmRestarts anneals over T_0 epochs, then jumps back to the initial lr; each period is T_mult times longer."""
    rates = _learning_rates(lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2), steps=21)
    expected = [_cosine(1.0, 0.0, position, period) for period in (3, 6, 12) for position in range(period)]
    _assert_sequence(rates, [*expected, 1.0])


@pytest.mark.doc("torch.optim.lr_scheduler.CyclicLR")
@pytest.mark.claim("003.cyclic-lr-between-base-and-max", verdict="holds")
@pytest.mark.parametrize(
    ("mode", "amplitude_of_cycle"),
    [("triangular", lambda cycle: 1.0), ("triangular2", lambda cycle: 0.5**cycle)],
    ids=["triangular", "triangular2"],
)
def test_cyclic_lr_climbs_from_base_to_max_and_back_each_cycle(mode, amplitude_of_cycle):
    """CyclicLR rises linearly from base_lr to max_lr over step_size_up and falls back; triangular2 halves each cycle."""
    rates = _learning_rates(lambda o: lr_scheduler.CyclicLR(o, 0.1, 1.0, step_size_up=2, mode=mode), momentum=0.9)
    triangle = [0.0, 0.5, 1.0, 0.5]
    expected = [0.1 + 0.9 * triangle[step % 4] * amplitude_of_cycle(step // 4) for step in range(STEPS + 1)]
    _assert_sequence(rates, expected)


@pytest.mark.doc("torch.optim.lr_scheduler.CyclicLR")
def test_cyclic_lr_cycling_momentum_needs_an_optimizer_with_momentum():
    """CyclicLR with cycle_momentum=True (the default) refuses an optimizer with no momentum or beta1, such as Adagrad."""
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        lr_scheduler.CyclicLR(_optimizer(torch.optim.Adagrad), 0.1, 1.0)


@pytest.mark.doc("torch.optim.lr_scheduler.CyclicLR")
@pytest.mark.change("cyclic-lr-cycles-adam-beta1", side="after")
def test_cyclic_lr_cycles_adams_beta1():
    """CyclicLR accepts Adam and cycles its beta1 as the momentum."""
    optimizer = _optimizer(torch.optim.Adam)
    lr_scheduler.CyclicLR(optimizer, 0.1, 1.0, base_momentum=0.7, max_momentum=0.8)
    assert_equal(optimizer.param_groups[0]["betas"][0], 0.8, "beta1 at the start of a cycle (max_momentum)")


@pytest.mark.doc("torch.optim.lr_scheduler.CyclicLR")
@pytest.mark.change("cyclic-lr-cycles-adam-beta1", side="before")
def test_cyclic_lr_refuses_adam():
    """CyclicLR with cycle_momentum refuses Adam, which has betas but no momentum."""
    with pytest.raises(ValueError, match="optimizer must support momentum with `cycle_momentum` option enabled"):
        lr_scheduler.CyclicLR(_optimizer(torch.optim.Adam), 0.1, 1.0)


@pytest.mark.doc("torch.optim.lr_scheduler.OneCycleLR")
@pytest.mark.claim("003.one-cycle-anneals-up-then-down", verdict="holds")
def test_one_cycle_warms_up_to_max_lr_then_anneals_below_the_start():
    """OneCycleLR starts at max_lr/div_factor, rises to max_lr by pct_start, then anneals to start/final_div_factor."""
    rates = _learning_rates(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=0.3), steps=9)
    start, end = 1.0 / 25, 1.0 / 25 / 1e4
    expected = [_cosine(1.0, start, 2 - step, 2) for step in range(3)] + [
        _cosine(1.0, end, step - 2, 7) for step in range(3, 10)
    ]
    _assert_sequence(rates, expected)


@pytest.mark.doc("torch.optim.lr_scheduler.OneCycleLR")
def test_one_cycle_refuses_to_step_past_its_total_steps():
    """OneCycleLR raises once stepped more often than total_steps."""
    optimizer = _optimizer(momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    with pytest.raises(ValueError, match=r"Tried to step 4 times\. The specified number of total steps is 3"):
        scheduler.step()


@pytest.mark.claim("003.plateau-step-takes-the-metric", verdict="holds")
@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.claim("003.plateau-reduces-after-patience", verdict="holds")
def test_reduce_on_plateau_cuts_the_lr_after_patience_epochs_without_improvement():
    """ReduceLROnPlateau (mode='min') multiplies lr by factor once the metric has not improved for more than patience steps."""
    optimizer = _optimizer()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
    rates = []
    for metric in [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]:
        optimizer.step()
        scheduler.step(metric)
        rates.append(optimizer.param_groups[0]["lr"])
    assert_equal(rates, [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25], "the lr after each epoch")


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
def test_reduce_on_plateau_honours_mode_max_cooldown_and_min_lr():
    """mode='max' treats a rising metric as improvement; cooldown waits before counting again; min_lr is a floor."""
    optimizer = _optimizer()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.1, patience=0, cooldown=1, min_lr=0.05)
    rates = []
    for metric in [1.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
        scheduler.step(metric)
        rates.append(round(optimizer.param_groups[0]["lr"], 6))
    assert_equal(rates, [1.0, 1.0, 0.1, 0.1, 0.05, 0.05], "the lr after each epoch")


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.claim("003.plateau-needs-momentum", verdict="wrong")
@pytest.mark.parametrize("optimizer_class", [torch.optim.SGD, torch.optim.Adagrad], ids=["sgd-no-momentum", "adagrad"])
def test_reduce_on_plateau_needs_no_momentum(optimizer_class):
    """ReduceLROnPlateau works with an optimizer that has no momentum at all; it only changes the lr."""
    optimizer = _optimizer(optimizer_class)
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    scheduler.step(1.0)
    scheduler.step(1.0)
    assert_equal(optimizer.param_groups[0]["lr"], 0.5, "the lr after one bad epoch")


@pytest.mark.doc("optim", "how-to-adjust-learning-rate")
@pytest.mark.claim("003.scheduler-step-after-optimizer-step", verdict="holds")
def test_stepping_the_scheduler_before_the_optimizer_warns():
    """The documented order is optimizer.step() then scheduler.step(); the reverse warns."""
    optimizer = _optimizer()
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        scheduler.step()


@pytest.mark.doc("optim", "how-to-adjust-learning-rate")
def test_get_last_lr_lists_one_lr_per_group():
    """get_last_lr() returns the lr of every param group as a list."""
    optimizer = torch.optim.SGD(
        [{"params": [nn.Parameter(torch.zeros(1))]}, {"params": [nn.Parameter(torch.zeros(1))], "lr": 0.2}], lr=1.0
    )
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    optimizer.step()
    scheduler.step()
    assert_equal(scheduler.get_last_lr(), [0.5, 0.1], "get_last_lr()")


@pytest.mark.doc("torch.optim.lr_scheduler.StepLR")
def test_a_scheduler_loaded_from_a_state_dict_continues_the_sequence():
    """A scheduler loaded from another's state_dict continues where that one was."""
    original = _learning_rates(lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5), steps=6)
    optimizer = _optimizer()
    first = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(3):
        optimizer.step()
        first.step()
    resumed = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    resumed.load_state_dict(first.state_dict())
    rates = [resumed.get_last_lr()[0]]
    for _ in range(3):
        optimizer.step()
        resumed.step()
        rates.append(resumed.get_last_lr()[0])
    _assert_sequence(rates, original[3:])


@pytest.mark.doc("torch.optim.lr_scheduler.SequentialLR")
@pytest.mark.filterwarnings("ignore:The epoch parameter in `scheduler.step\\(\\)` was not necessary:UserWarning")
def test_sequential_lr_switches_schedulers_at_the_milestone():
    """SequentialLR runs the first scheduler until the milestone, then the second from its start."""
    rates = _learning_rates(
        lambda o: lr_scheduler.SequentialLR(
            o,
            [lr_scheduler.ConstantLR(o, factor=0.5, total_iters=10), lr_scheduler.ExponentialLR(o, gamma=0.5)],
            milestones=[2],
        ),
        steps=5,
    )
    _assert_sequence(rates, [0.5, 0.5, 1.0, 0.5, 0.25, 0.125])


EPOCH_DEPRECATION = r"The epoch parameter in `scheduler\.step\(\)` was not necessary"


def _sequential_lr_crossing_its_milestone() -> None:
    optimizer = _optimizer()
    scheduler = lr_scheduler.SequentialLR(
        optimizer,
        [lr_scheduler.ConstantLR(optimizer, factor=0.5, total_iters=10), lr_scheduler.ExponentialLR(optimizer, 0.5)],
        milestones=[2],
    )
    for _ in range(3):
        optimizer.step()
        scheduler.step()


@pytest.mark.doc("torch.optim.lr_scheduler.SequentialLR")
@pytest.mark.change("sequential-lr-epoch-warning-silenced", side="after")
def test_sequential_lr_switches_schedulers_without_a_warning():
    """SequentialLR crosses its milestone without warning: it no longer calls the next scheduler's step(0)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _sequential_lr_crossing_its_milestone()
    assert_equal([str(warning.message)[:60] for warning in caught], [], "warnings raised")


@pytest.mark.doc("torch.optim.lr_scheduler.SequentialLR")
@pytest.mark.change("sequential-lr-epoch-warning-silenced", side="before")
def test_sequential_lr_warns_of_the_epoch_parameter_at_its_milestone():
    """SequentialLR warns UserWarning that step's epoch parameter is deprecated when it crosses its milestone."""
    with pytest.warns(UserWarning, match=EPOCH_DEPRECATION):
        _sequential_lr_crossing_its_milestone()


@pytest.mark.doc("torch.optim.lr_scheduler.ChainedScheduler")
def test_chained_scheduler_applies_every_scheduler_each_step():
    """ChainedScheduler steps all its schedulers together: their factors multiply."""
    rates = _learning_rates(
        lambda o: lr_scheduler.ChainedScheduler(
            [lr_scheduler.ExponentialLR(o, gamma=0.5), lr_scheduler.StepLR(o, 2, 0.1)]
        ),
        steps=4,
    )
    _assert_sequence(rates, [0.5**epoch * 0.1 ** (epoch // 2) for epoch in range(5)])


@pytest.mark.doc("torch.optim.lr_scheduler.StepLR")
@pytest.mark.claim("003.scheduler-verbose-prints", verdict="depends-on-version")
@pytest.mark.change("scheduler-verbose-deprecated", side="before")
def test_verbose_prints_each_lr_change(capsys):
    """A scheduler given verbose=True prints 'Adjusting learning rate of group 0 to ...' at every change."""
    lr_scheduler.StepLR(_optimizer(), step_size=1, verbose=True)
    assert_equal("Adjusting learning rate of group 0 to 1.0000e+00." in capsys.readouterr().out, True, "the message")


@pytest.mark.doc("torch.optim.lr_scheduler.StepLR")
@pytest.mark.claim("003.scheduler-verbose-prints", verdict="depends-on-version")
@pytest.mark.change("scheduler-verbose-deprecated", side="after")
@pytest.mark.change("scheduler-verbose-removed", side="before")
def test_verbose_is_deprecated():
    """Passing verbose to a scheduler (even False) warns that it is deprecated in favour of get_last_lr()."""
    with pytest.warns(UserWarning, match="The verbose parameter is deprecated"):
        lr_scheduler.StepLR(_optimizer(), step_size=1, verbose=False)


@pytest.mark.doc("torch.optim.lr_scheduler.StepLR")
@pytest.mark.claim("003.scheduler-verbose-prints", verdict="depends-on-version")
@pytest.mark.change("scheduler-verbose-removed", side="after")
def test_verbose_is_refused():
    """Schedulers no longer take verbose: passing it raises TypeError."""
    with pytest.raises(TypeError, match="verbose"):
        lr_scheduler.StepLR(_optimizer(), step_size=1, verbose=True)


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.change("reduce-lr-on-plateau-is-an-lr-scheduler", side="after")
def test_reduce_lr_on_plateau_is_an_lr_scheduler():
    """ReduceLROnPlateau is a subclass of LRScheduler, so isinstance checks for schedulers include it."""
    scheduler = lr_scheduler.ReduceLROnPlateau(_optimizer())
    assert_equal(isinstance(scheduler, lr_scheduler.LRScheduler), True, "isinstance(ReduceLROnPlateau, LRScheduler)")


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.change("reduce-lr-on-plateau-is-an-lr-scheduler", side="before")
def test_reduce_lr_on_plateau_is_not_an_lr_scheduler():
    """ReduceLROnPlateau derives from object: isinstance(..., LRScheduler) is False."""
    scheduler = lr_scheduler.ReduceLROnPlateau(_optimizer())
    assert_equal(isinstance(scheduler, lr_scheduler.LRScheduler), False, "isinstance(ReduceLROnPlateau, LRScheduler)")


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.change("reduce-lr-on-plateau-is-an-lr-scheduler", side="after")
@pytest.mark.change("reduce-lr-on-plateau-last-lr-before-step", side="after")
def test_reduce_lr_on_plateau_reports_its_last_lr_before_any_step():
    """ReduceLROnPlateau.get_last_lr() gives the optimizer's learning rates as soon as it is made."""
    assert_equal(lr_scheduler.ReduceLROnPlateau(_optimizer(lr=0.3)).get_last_lr(), [0.3], "get_last_lr() before a step")


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.change("reduce-lr-on-plateau-is-an-lr-scheduler", side="after")
@pytest.mark.change("reduce-lr-on-plateau-last-lr-before-step", side="before")
def test_reduce_lr_on_plateau_has_no_last_lr_before_a_step():
    """ReduceLROnPlateau.get_last_lr() before the first step raises AttributeError: nothing is recorded yet."""
    with pytest.raises(AttributeError, match="'_last_lr'"):
        lr_scheduler.ReduceLROnPlateau(_optimizer(lr=0.3)).get_last_lr()


def _resumed_exponential_lr() -> float:
    """The lr right after an ExponentialLR(gamma=0.5) is made to resume at epoch 3 from an initial lr of 1."""
    optimizer = _optimizer(lr=1.0)
    optimizer.param_groups[0]["initial_lr"] = 1.0
    lr_scheduler.ExponentialLR(optimizer, gamma=0.5, last_epoch=3)
    return optimizer.param_groups[0]["lr"]


@pytest.mark.doc("torch.optim.lr_scheduler.ExponentialLR")
@pytest.mark.change("scheduler-resume-applies-no-extra-step", side="after")
def test_a_resumed_scheduler_leaves_the_lr_alone_when_made():
    """Making a chainable scheduler with last_epoch=k (resuming) does not change the optimizer's lr."""
    assert_equal(_resumed_exponential_lr(), 1.0, "the lr after making the resumed scheduler")


@pytest.mark.doc("torch.optim.lr_scheduler.ExponentialLR")
@pytest.mark.change("scheduler-resume-applies-no-extra-step", side="before")
def test_a_resumed_scheduler_applies_one_more_step_when_made():
    """Making a chainable scheduler with last_epoch=k (resuming) applies one more decay to the optimizer's lr at once."""
    assert_equal(_resumed_exponential_lr(), 0.5, "the lr after making the resumed scheduler")


@pytest.mark.doc("torch.optim.lr_scheduler.MultiplicativeLR")
@pytest.mark.change("multiplicative-lr-checks-its-lambda", side="after")
def test_multiplicative_lr_refuses_a_factor_that_is_not_a_function():
    """MultiplicativeLR(optimizer, lr_lambda=0.9) raises TypeError at once: lr_lambda must be a function."""
    with pytest.raises(TypeError, match="lr_lambda should be a function"):
        lr_scheduler.MultiplicativeLR(_optimizer(), lr_lambda=0.9)


@pytest.mark.doc("torch.optim.lr_scheduler.MultiplicativeLR")
@pytest.mark.change("multiplicative-lr-checks-its-lambda", side="before")
def test_multiplicative_lr_accepts_a_factor_until_it_steps():
    """MultiplicativeLR(optimizer, lr_lambda=0.9) is made without complaint; the mistake shows only when it steps."""
    optimizer = _optimizer()
    scheduler = lr_scheduler.MultiplicativeLR(optimizer, lr_lambda=0.9)
    optimizer.step()
    with pytest.raises(TypeError):
        scheduler.step()


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.change("reduce-lr-on-plateau-is-better-private", side="after")
def test_reduce_lr_on_plateau_keeps_its_comparison_private():
    """ReduceLROnPlateau has no public is_better method: overriding it in a subclass changes nothing."""
    assert_equal(hasattr(lr_scheduler.ReduceLROnPlateau, "is_better"), False, "hasattr(ReduceLROnPlateau, ...)")


@pytest.mark.doc("torch.optim.lr_scheduler.ReduceLROnPlateau")
@pytest.mark.change("reduce-lr-on-plateau-is-better-private", side="before")
def test_reduce_lr_on_plateau_compares_with_a_public_is_better():
    """ReduceLROnPlateau.is_better(a, best) says whether a improves on best (for mode='min', a smaller value)."""
    scheduler = lr_scheduler.ReduceLROnPlateau(_optimizer(), mode="min", threshold=0.0)
    assert_equal((scheduler.is_better(1.0, 2.0), scheduler.is_better(2.0, 1.0)), (True, False), "is_better")


def _sequential_lr_starting_with_the_second() -> float:
    optimizer = _optimizer(lr=1.0)
    schedulers = [
        lr_scheduler.ConstantLR(optimizer, factor=0.1, total_iters=2),
        lr_scheduler.LinearLR(optimizer, start_factor=0.5, total_iters=4),
    ]
    lr_scheduler.SequentialLR(optimizer, schedulers, milestones=[0])
    return optimizer.param_groups[0]["lr"]


@pytest.mark.doc("torch.optim.lr_scheduler.SequentialLR")
@pytest.mark.change("sequential-lr-milestone-at-zero", side="after")
def test_sequential_lr_with_a_milestone_at_zero_starts_with_the_second_scheduler():
    """SequentialLR(milestones=[0]) starts at the second scheduler's initial lr: LinearLR(start_factor=0.5) gives 0.5."""
    assert_close(torch.tensor(_sequential_lr_starting_with_the_second()), torch.tensor(0.5))


@pytest.mark.doc("torch.optim.lr_scheduler.SequentialLR")
@pytest.mark.change("sequential-lr-milestone-at-zero", side="before")
def test_sequential_lr_with_a_milestone_at_zero_starts_with_the_first_scheduler():
    """SequentialLR(milestones=[0]) starts at the first scheduler's lr: ConstantLR(factor=0.1) gives 0.1."""
    assert_close(torch.tensor(_sequential_lr_starting_with_the_second()), torch.tensor(0.1))


def halving(epoch: int) -> float:
    return 0.5**epoch


@pytest.mark.doc("torch.optim.lr_scheduler.LambdaLR")
@pytest.mark.claim("003.scheduler-last-epoch-for-resuming", verdict="holds")
def test_last_epoch_resumes_a_schedule_where_a_saved_run_stopped():
    """last_epoch defaults to -1 (a fresh start); last_epoch=3 resumes after epoch 3, at the lr a run has at epoch 4."""
    assert_equal(_learning_rates(lambda o: lr_scheduler.LambdaLR(o, halving), steps=4)[-1], 0.5**4, "lr at epoch 4")
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.LambdaLR(_optimizer(), halving, last_epoch=3)
    optimizer = _optimizer()
    optimizer.param_groups[0]["initial_lr"] = 1.0
    resumed = lr_scheduler.LambdaLR(optimizer, halving, last_epoch=3)
    assert_equal((resumed.last_epoch, resumed.get_last_lr()[0]), (4, 0.5**4), "(last_epoch, lr) once resumed")


@pytest.mark.doc("torch.optim.lr_scheduler.CyclicLR")
@pytest.mark.claim("003.cyclic-step-size-down-and-scale-fn", verdict="holds")
def test_cyclic_lr_takes_step_size_down_and_scale_fn():
    """CyclicLR(step_size_up=2, step_size_down=4) rises over 2 steps and falls over 4; scale_fn(cycle) scales each cycle."""
    rates = _learning_rates(
        lambda o: lr_scheduler.CyclicLR(
            o, 0.1, 1.0, step_size_up=2, step_size_down=4, scale_fn=lambda cycle: 1 / cycle, cycle_momentum=False
        )
    )
    shape = [0.0, 0.5, 1.0, 0.75, 0.5, 0.25]
    _assert_sequence(rates, [0.1 + 0.9 * shape[step % 6] / (1 + step // 6) for step in range(STEPS + 1)])


@pytest.mark.doc("torch.optim.lr_scheduler.LRScheduler.step")
def test_scheduler_step_advances_the_epoch_by_one_and_writes_the_lr_into_every_group():
    """scheduler.step() adds one to last_epoch (0 once made) and writes the schedule's lr for that epoch into each
    of the optimizer's param groups, which get_last_lr() then reports."""
    optimizer = torch.optim.SGD(
        [{"params": [nn.Parameter(torch.zeros(1))]}, {"params": [nn.Parameter(torch.zeros(1))], "lr": 4.0}], lr=1.0
    )
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    seen = []
    for _ in range(3):
        optimizer.step()
        scheduler.step()
        seen.append((scheduler.last_epoch, [group["lr"] for group in optimizer.param_groups], scheduler.get_last_lr()))
    assert_equal(
        seen,
        [(1, [1.0, 4.0], [1.0, 4.0]), (2, [0.5, 2.0], [0.5, 2.0]), (3, [0.5, 2.0], [0.5, 2.0])],
        "(last_epoch, group lrs, get_last_lr()) after each step",
    )
