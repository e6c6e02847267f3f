"""Losses and functional identities: cross-entropy and its targets, reductions, BCE and its stable form, softmax."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchspecs.assertions import assert_close, assert_dtype, assert_equal, assert_values_equal

LOGITS = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [1.0, 1.0, 1.0], [-1.0, 0.0, 4.0]], dtype=torch.float64)
CLASSES = torch.tensor([0, 1, 2, 1])


@pytest.mark.doc("torch.nn.functional.cross_entropy")
@pytest.mark.claim("003.cross-entropy-is-nll-of-log-softmax", verdict="holds")
def test_cross_entropy_is_nll_loss_of_log_softmax():
    """F.cross_entropy(z, y) equals F.nll_loss(F.log_softmax(z, dim=1), y)."""
    assert_close(F.cross_entropy(LOGITS, CLASSES), F.nll_loss(F.log_softmax(LOGITS, dim=1), CLASSES))


@pytest.mark.doc("torch.nn.CrossEntropyLoss")
@pytest.mark.claim("003.cross-entropy-includes-softmax", verdict="holds")
def test_cross_entropy_loss_takes_raw_logits_and_applies_softmax_itself():
    """CrossEntropyLoss takes unnormalised logits: its per-sample loss is -log(softmax(z)[y])."""
    per_sample = nn.CrossEntropyLoss(reduction="none")(LOGITS, CLASSES)
    assert_close(per_sample, -torch.log(torch.softmax(LOGITS, dim=1)[torch.arange(4), CLASSES]))


@pytest.mark.doc("torch.nn.CrossEntropyLoss")
@pytest.mark.claim("003.cross-entropy-needs-long-targets", verdict="wrong")
def test_cross_entropy_accepts_class_probabilities_as_float_targets():
    """Targets may be class probabilities (float, same shape as the input) as well as int64 class indices."""
    probabilities = F.one_hot(CLASSES, 3).to(torch.float64)
    assert_close(F.cross_entropy(LOGITS, probabilities), F.cross_entropy(LOGITS, CLASSES))


@pytest.mark.doc("torch.nn.CrossEntropyLoss")
def test_cross_entropy_refuses_float_class_indices():
    """Class-index targets must be integers: a float tensor of indices (not input-shaped) raises."""
    with pytest.raises(RuntimeError):
        F.cross_entropy(LOGITS, CLASSES.to(torch.float64))


@pytest.mark.doc("torch.nn.CrossEntropyLoss")
@pytest.mark.claim("003.cross-entropy-ignore-index", verdict="holds")
def test_ignore_index_leaves_those_samples_out_of_the_loss_and_the_mean():
    """Samples whose target is ignore_index add nothing and are not counted in the mean."""
    padded = torch.tensor([0, -100, 2, -100])
    kept = torch.tensor([0, 2])
    assert_close(F.cross_entropy(LOGITS, padded), F.cross_entropy(LOGITS[kept], CLASSES[kept]))


@pytest.mark.doc("torch.nn.CrossEntropyLoss")
def test_label_smoothing_mixes_the_target_with_a_uniform_distribution():
    """label_smoothing=s trains towards (1 - s) * one_hot + s / C."""
    smoothed = F.one_hot(CLASSES, 3).to(torch.float64) * 0.8 + 0.2 / 3
    assert_close(F.cross_entropy(LOGITS, CLASSES, label_smoothing=0.2), F.cross_entropy(LOGITS, smoothed))


@pytest.mark.doc("torch.nn.CrossEntropyLoss")
def test_reductions_and_class_weights():
    """reduction='none' gives per-sample losses; 'sum' adds them; 'mean' with weights divides by the summed weights."""
    weights = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    per_sample = F.cross_entropy(LOGITS, CLASSES, weight=weights, reduction="none")
    assert_close(F.cross_entropy(LOGITS, CLASSES, weight=weights, reduction="sum"), per_sample.sum())
    assert_close(F.cross_entropy(LOGITS, CLASSES, weight=weights), per_sample.sum() / weights[CLASSES].sum())


@pytest.mark.doc("torch.nn.BCELoss")
@pytest.mark.claim("003.bce-reduction-argument", verdict="holds")
def test_binary_cross_entropy_takes_probabilities_and_a_reduction():
    """binary_cross_entropy(p, y) is -(y log p + (1 - y) log(1 - p)), averaged, or summed with reduction='sum'."""
    probabilities, targets = (
        torch.tensor([0.9, 0.2], dtype=torch.float64),
        torch.tensor([1.0, 0.0], dtype=torch.float64),
    )
    expected = -(torch.log(torch.tensor([0.9, 0.8], dtype=torch.float64)))
    assert_close(F.binary_cross_entropy(probabilities, targets, reduction="sum"), expected.sum())
    assert_close(F.binary_cross_entropy(probabilities, targets), expected.mean())


BCE_PROBABILITIES = torch.tensor([0.9, 0.2], dtype=torch.float64)
BCE_OUT_OF_RANGE_TARGETS = torch.tensor([1.5, -0.5], dtype=torch.float64)


@pytest.mark.doc("torch.nn.functional.binary_cross_entropy")
@pytest.mark.change("binary-cross-entropy-checks-target-range", side="before")
def test_binary_cross_entropy_applies_its_formula_to_targets_outside_zero_one():
    """binary_cross_entropy takes targets outside [0, 1] and applies its formula: the losses come out negative."""
    targets = BCE_OUT_OF_RANGE_TARGETS
    expected = -(targets * BCE_PROBABILITIES.log() + (1 - targets) * (1 - BCE_PROBABILITIES).log())
    losses = F.binary_cross_entropy(BCE_PROBABILITIES, targets, reduction="none")
    assert_close(losses, expected)
    assert bool((losses < 0).all()), losses


@pytest.mark.doc("torch.nn.functional.binary_cross_entropy")
@pytest.mark.change("binary-cross-entropy-checks-target-range", side="after")
def test_binary_cross_entropy_refuses_targets_outside_zero_one():
    """binary_cross_entropy raises RuntimeError for a target above 1 or below 0; 0 and 1 themselves are accepted."""
    for target in (torch.tensor([1.5, 0.0]), torch.tensor([1.0, -0.5])):
        with pytest.raises(RuntimeError, match=r"all elements of target should be between 0 and 1"):
            F.binary_cross_entropy(BCE_PROBABILITIES.float(), target)
    assert_close(
        F.binary_cross_entropy(BCE_PROBABILITIES, torch.tensor([1.0, 0.0], dtype=torch.float64), reduction="sum"),
        -(torch.log(torch.tensor([0.9, 0.8], dtype=torch.float64))).sum(),
    )


@pytest.mark.doc("torch.nn.BCEWithLogitsLoss")
def test_bce_with_logits_equals_bce_of_sigmoid_and_stays_exact_at_large_logits():
    """BCEWithLogitsLoss(z, y) equals BCELoss(sigmoid(z), y), but stays exact where sigmoid saturates to 1."""
    moderate, targets = torch.tensor([0.5, -2.0]), torch.tensor([0.0, 1.0])
    assert_close(nn.BCEWithLogitsLoss()(moderate, targets), nn.BCELoss()(torch.sigmoid(moderate), targets))
    huge = torch.tensor([200.0])
    assert_close(nn.BCEWithLogitsLoss()(huge, torch.zeros(1)), torch.tensor(200.0))
    assert_equal(nn.BCELoss()(torch.sigmoid(huge), torch.zeros(1)).item(), 100.0, "BCELoss at sigmoid(200) (clamped)")


GAUSSIAN_MEANS = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float64)
GAUSSIAN_TARGETS = torch.tensor([[1.0, 1.0], [-1.0, 0.5]], dtype=torch.float64)


@pytest.mark.doc("torch.nn.functional.gaussian_nll_loss")
@pytest.mark.change("gaussian-nll-loss-float-variance", side="before")
def test_gaussian_nll_loss_needs_the_variance_as_a_tensor():
    """gaussian_nll_loss refuses a Python float var: it reads var.size() and raises AttributeError."""
    with pytest.raises(AttributeError, match=r"'float' object has no attribute 'size'"):
        F.gaussian_nll_loss(GAUSSIAN_MEANS, GAUSSIAN_TARGETS, 0.25)


@pytest.mark.doc("torch.nn.functional.gaussian_nll_loss")
@pytest.mark.change("gaussian-nll-loss-float-variance", side="after")
def test_gaussian_nll_loss_takes_a_float_variance_for_every_element():
    """gaussian_nll_loss(mean, target, 0.25) is the loss with var 0.25 everywhere; a negative float raises ValueError."""
    everywhere = torch.full_like(GAUSSIAN_MEANS, 0.25)
    expected = 0.5 * (torch.log(everywhere) + (GAUSSIAN_MEANS - GAUSSIAN_TARGETS) ** 2 / everywhere)
    assert_close(F.gaussian_nll_loss(GAUSSIAN_MEANS, GAUSSIAN_TARGETS, 0.25), expected.mean())
    assert_close(F.gaussian_nll_loss(GAUSSIAN_MEANS, GAUSSIAN_TARGETS, 0.25, reduction="sum"), expected.sum())
    with pytest.raises(ValueError, match=r"var has negative entry"):
        F.gaussian_nll_loss(GAUSSIAN_MEANS, GAUSSIAN_TARGETS, -0.25)


@pytest.mark.doc("torch.nn.functional.mse_loss")
@pytest.mark.claim("003.mse-loss", verdict="holds")
def test_mse_loss_is_the_mean_squared_error():
    """mse_loss(prediction, label) is the mean of the squared differences."""
    assert_close(
        F.mse_loss(torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 0.0, 1.0])), torch.tensor((0 + 4 + 9) / 3)
    )


@pytest.mark.doc("torch.nn.functional.log_softmax")
@pytest.mark.claim("003.log-softmax-equals-log-of-softmax", verdict="wrong")
def test_log_softmax_stays_finite_where_log_of_softmax_underflows():
    """log_softmax agrees with log(softmax) for moderate inputs, but stays finite where softmax underflows to 0."""
    assert_close(F.log_softmax(LOGITS, dim=1), torch.log(F.softmax(LOGITS, dim=1)))
    extreme = torch.tensor([[0.0, -1000.0]])
    assert_values_equal(F.log_softmax(extreme, dim=1), torch.tensor([[0.0, -1000.0]]))
    assert_equal(torch.log(F.softmax(extreme, dim=1))[0, 1].item(), -math.inf, "log(softmax) of the -1000 entry")


@pytest.mark.doc("torch.nn.functional.softmax")
@pytest.mark.claim("003.softmax-dim-argument", verdict="holds")
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_normalises_along_the_given_dim(dim):
    """softmax(x, dim) is positive and sums to 1 along dim (and only along dim)."""
    probabilities = F.softmax(LOGITS, dim=dim)
    assert_close(probabilities.sum(dim=dim), torch.ones(LOGITS.shape[1 - dim], dtype=torch.float64))
    assert_equal(bool((probabilities > 0).all()), True, "every probability is positive")


@pytest.mark.doc("torch.nn.functional.one_hot")
def test_one_hot_makes_int64_rows_with_one_at_the_class():
    """one_hot(indices) has a 1 at each index and 0 elsewhere, int64, with num_classes = max + 1 unless given."""
    encoded = F.one_hot(torch.tensor([0, 2]))
    assert_values_equal(encoded, torch.tensor([[1, 0, 0], [0, 0, 1]]))
    assert_dtype(encoded, torch.int64)
    assert_equal(tuple(F.one_hot(torch.tensor([0, 2]), num_classes=5).shape), (2, 5), "the shape with num_classes=5")


@pytest.mark.doc("nn.functional")
@pytest.mark.claim("001.functional-has-softmax-one-hot-cartesian", verdict="wrong")
def test_functional_has_softmax_and_one_hot_but_cartesian_product_lives_in_torch():
    """torch.nn.functional has softmax and one_hot; the cartesian product is torch.cartesian_prod, not in functional."""
    assert_equal((hasattr(F, "softmax"), hasattr(F, "one_hot")), (True, True), "softmax and one_hot in functional")
    assert_equal(hasattr(F, "cartesian_prod"), False, "cartesian_prod in functional")
    assert_values_equal(torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3])), torch.tensor([[1, 3], [2, 3]]))


@pytest.mark.doc("torch.nn.functional.sigmoid")
@pytest.mark.claim("003.functional-sigmoid-is-torch-sigmoid", verdict="holds")
def test_functional_sigmoid_equals_torch_sigmoid():
    """F.sigmoid(x) and torch.sigmoid(x) give the same values, 1 / (1 + exp(-x))."""
    values = torch.tensor([-2.0, 0.0, 3.0])
    assert_values_equal(F.sigmoid(values), torch.sigmoid(values))
    assert_close(torch.sigmoid(values), 1 / (1 + torch.exp(-values)))


@pytest.mark.doc("torch.nn.functional.mse_loss")
@pytest.mark.change("pointwise-loss-weights", side="after")
def test_mse_loss_weights_each_element():
    """F.mse_loss(input, target, weight=w) is the weighted mean: sum(w * (input - target)^2) / sum(w)."""
    input, target, weight = torch.tensor([1.0, 2.0, 4.0]), torch.zeros(3), torch.tensor([1.0, 0.0, 0.5])
    assert_close(F.mse_loss(input, target, weight=weight), torch.tensor((1.0 + 0.0 + 8.0) / 1.5))


@pytest.mark.doc("torch.nn.functional.mse_loss")
@pytest.mark.change("pointwise-loss-weights", side="before")
def test_mse_loss_takes_no_weight():
    """F.mse_loss takes no weight argument: every element counts alike."""
    with pytest.raises(TypeError, match="weight"):
        F.mse_loss(torch.ones(3), torch.zeros(3), weight=torch.ones(3))


@pytest.mark.doc("torch.nn.BCELoss")
@pytest.mark.claim("003.bce-loss-layer", verdict="holds")
def test_bce_loss_layer_is_the_mean_binary_cross_entropy():
    """nn.BCELoss()(p, y) is the mean of -(y log p + (1 - y) log(1 - p)) over the samples."""
    probabilities = torch.tensor([0.2, 0.9, 0.6], dtype=torch.float64)
    targets = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    expected = -(targets * torch.log(probabilities) + (1 - targets) * torch.log(1 - probabilities)).mean()
    assert_close(nn.BCELoss()(probabilities, targets), expected)
    assert_close(
        nn.BCELoss()(probabilities, targets), torch.tensor(-(math.log(0.8) + math.log(0.9) + math.log(0.4)) / 3)
    )


@pytest.mark.doc("torch.nn.MSELoss")
def test_mse_loss_layer_averages_sums_or_keeps_the_squared_errors():
    """nn.MSELoss() is the mean of (input - target)^2; reduction='sum' adds them and reduction='none' keeps each."""
    prediction, target = torch.tensor([[1.0, -2.0, 4.0], [0.5, 3.0, -1.0]]), torch.tensor([[1.0, 0.0, 1.0]])
    squared = torch.tensor([[0.0, 4.0, 9.0], [0.25, 9.0, 4.0]])
    assert_close(nn.MSELoss()(prediction, target.expand(2, 3)), squared.mean())
    assert_close(nn.MSELoss(reduction="sum")(prediction, target.expand(2, 3)), squared.sum())
    assert_close(nn.MSELoss(reduction="none")(prediction, target.expand(2, 3)), squared)


# Samples of 3 features scored over 5 classes: the linear map is not square, so a transposed weight would not run.
FEATURES = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-2.0, 1.0, 0.25], [0.0, -0.5, 1.0]], dtype=torch.float64)
CLASS_WEIGHT = torch.tensor(
    [[1.0, -0.5, 0.0], [0.5, 1.0, -1.0], [-1.0, 0.25, 2.0], [0.0, 0.0, 1.0], [2.0, -1.0, 0.5]], dtype=torch.float64
)
CLASS_BIAS = torch.tensor([0.5, -1.0, 0.0, 2.0, -0.5], dtype=torch.float64)
FEATURE_CLASSES = torch.tensor([2, 0, 4, 1])


@pytest.mark.doc("torch.nn.functional.linear_cross_entropy")
@pytest.mark.change("linear-cross-entropy", side="after")
@pytest.mark.parametrize(
    "options",
    [{}, {"reduction": "sum"}, {"reduction": "none", "ignore_index": 0}, {"label_smoothing": 0.2}],
    ids=["mean", "sum", "none-ignoring-class-0", "label-smoothing"],
)
def test_linear_cross_entropy_is_cross_entropy_of_the_linear_logits(options):
    """F.linear_cross_entropy(x, w, y, linear_bias=b, **options) equals F.cross_entropy(F.linear(x, w, b), y, **options)."""
    loss = F.linear_cross_entropy(FEATURES, CLASS_WEIGHT, FEATURE_CLASSES, linear_bias=CLASS_BIAS, **options)
    assert_close(loss, F.cross_entropy(F.linear(FEATURES, CLASS_WEIGHT, CLASS_BIAS), FEATURE_CLASSES, **options))


@pytest.mark.doc("torch.nn.functional.linear_cross_entropy")
@pytest.mark.change("linear-cross-entropy", side="after")
def test_linear_cross_entropy_ignores_class_minus_100_by_default():
    """ignore_index=None (the default) leaves out targets of -100, as cross_entropy's default does."""
    targets = torch.tensor([2, -100, 4, 1])
    loss = F.linear_cross_entropy(FEATURES, CLASS_WEIGHT, targets, reduction="none")
    assert_close(loss, F.cross_entropy(F.linear(FEATURES, CLASS_WEIGHT), targets, reduction="none"))
    assert_equal(loss[1].item(), 0.0, "the loss of the sample with target -100")


@pytest.mark.doc("torch.nn.LinearCrossEntropyLoss")
@pytest.mark.change("linear-cross-entropy", side="after")
def test_linear_cross_entropy_loss_layer_scores_the_logits_of_its_own_linear_layer():
    """nn.LinearCrossEntropyLoss(in, classes) holds a bias-free Linear(in, classes); its loss is cross_entropy of it."""
    criterion = nn.LinearCrossEntropyLoss(3, 5, reduction="sum", dtype=torch.float64)
    assert_equal(
        (criterion.linear.weight.shape, criterion.linear.bias), (torch.Size([5, 3]), None), "(weight shape, bias)"
    )
    expected = F.cross_entropy(criterion.linear(FEATURES), FEATURE_CLASSES, reduction="sum")
    assert_close(criterion(FEATURES, FEATURE_CLASSES), expected)


@pytest.mark.doc("torch.nn.functional.cross_entropy")
@pytest.mark.change("linear-cross-entropy", side="before")
def test_there_is_no_linear_cross_entropy():
    """torch.nn.functional has no linear_cross_entropy and torch.nn no LinearCrossEntropyLoss."""
    assert_equal(
        (hasattr(F, "linear_cross_entropy"), hasattr(nn, "LinearCrossEntropyLoss")),
        (False, False),
        "(hasattr(F, 'linear_cross_entropy'), hasattr(nn, 'LinearCrossEntropyLoss'))",
    )
