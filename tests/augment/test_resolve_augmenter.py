"""resolve_augmenter: aliases, instances, errors."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

import skdistill.augment as augment_module
from skdistill.augment import (
    AUGMENTER_ALIASES,
    BaseAugmenter,
    GaussianJitterAugmenter,
    InterpolationAugmenter,
    MarginalResamplingAugmenter,
    MUNGEAugmenter,
    NoAugmenter,
    resolve_augmenter,
)


@pytest.mark.parametrize(
    ("alias", "cls"),
    [
        ("munge", MUNGEAugmenter),
        ("jitter", GaussianJitterAugmenter),
        ("interpolation", InterpolationAugmenter),
        ("marginal", MarginalResamplingAugmenter),
        ("none", NoAugmenter),
        (None, NoAugmenter),
    ],
)
def test_aliases(alias, cls):
    aug = resolve_augmenter(alias)
    assert type(aug) is cls
    assert aug.get_params() == cls().get_params()


def test_alias_list():
    assert set(AUGMENTER_ALIASES) == {
        "munge",
        "jitter",
        "interpolation",
        "marginal",
        "none",
    }


def test_instance_is_cloned_not_reused():
    X = np.random.default_rng(0).normal(size=(20, 3))
    user = MUNGEAugmenter(p=0.2, s=3.0, random_state=7).fit(X)
    aug = resolve_augmenter(user)
    assert aug is not user
    assert aug.get_params() == user.get_params()
    assert not hasattr(aug, "neighbors_")  # a fresh, unfitted clone
    aug.fit(X[:5])
    assert user.n_samples_fit_ == 20  # the user's object is untouched


def test_custom_subclass_instance_accepted():
    class Mine(BaseAugmenter):
        def _sample_block(self, rng, source_idx):
            return self.X_fit_[source_idx]

    aug = resolve_augmenter(Mine(clip=False))
    assert type(aug) is Mine and aug.clip is False


@pytest.mark.parametrize("bad", ["MUNGE", "smote", "", "noise"])
def test_unknown_string(bad):
    with pytest.raises(ValueError, match=repr(bad)) as info:
        resolve_augmenter(bad)
    for alias in AUGMENTER_ALIASES:
        assert repr(alias) in str(info.value)


@pytest.mark.parametrize(
    "bad", [3, 0.5, MUNGEAugmenter, LinearRegression(), ["munge"]], ids=repr
)
def test_wrong_type(bad):
    with pytest.raises(TypeError, match="augment") as info:
        resolve_augmenter(bad)
    assert type(bad).__name__ in str(info.value)
    for alias in AUGMENTER_ALIASES:
        assert repr(alias) in str(info.value)


def test_public_names():
    assert sorted(augment_module.__all__) == sorted(
        [
            "AUGMENTER_ALIASES",
            "BaseAugmenter",
            "GaussianJitterAugmenter",
            "InterpolationAugmenter",
            "MUNGEAugmenter",
            "MarginalResamplingAugmenter",
            "NoAugmenter",
            "resolve_augmenter",
        ]
    )
    for name in augment_module.__all__:
        assert hasattr(augment_module, name)


def test_resolved_default_is_clonable():
    for alias in AUGMENTER_ALIASES:
        aug = resolve_augmenter(alias)
        assert clone(aug).get_params() == aug.get_params()
