"""Resolve the ``augment`` parameter of the distillers into an augmenter."""

from __future__ import annotations

from sklearn.base import clone

from ._base import BaseAugmenter
from ._interpolation import InterpolationAugmenter
from ._jitter import GaussianJitterAugmenter
from ._marginal import MarginalResamplingAugmenter
from ._munge import MUNGEAugmenter
from ._none import NoAugmenter

_ALIASES: dict[str, type[BaseAugmenter]] = {
    "munge": MUNGEAugmenter,
    "jitter": GaussianJitterAugmenter,
    "interpolation": InterpolationAugmenter,
    "marginal": MarginalResamplingAugmenter,
    "none": NoAugmenter,
}

#: The string aliases accepted by :func:`resolve_augmenter` (and so by the
#: distillers' ``augment`` parameter), e.g. for a ``StrOptions`` constraint.
AUGMENTER_ALIASES: tuple[str, ...] = tuple(_ALIASES)


def resolve_augmenter(augment: str | BaseAugmenter | None) -> BaseAugmenter:
    """Return a new, unfitted augmenter for an ``augment`` parameter value.

    Parameters
    ----------
    augment : {'munge', 'jitter', 'interpolation', 'marginal', 'none'}, \
BaseAugmenter instance or None
        A string alias gives that augmenter with default parameters; an instance is
        cloned (the caller's object is never fitted or modified); None means
        ``'none'``.

    Returns
    -------
    augmenter : BaseAugmenter
        An unfitted augmenter.

    Raises
    ------
    ValueError
        If ``augment`` is an unknown string.
    TypeError
        If ``augment`` is neither a string, a ``BaseAugmenter`` instance nor None.

    Examples
    --------
    >>> from skdistill.augment import MUNGEAugmenter, resolve_augmenter
    >>> resolve_augmenter("munge")
    MUNGEAugmenter()
    >>> resolve_augmenter(None)
    NoAugmenter()
    >>> resolve_augmenter(MUNGEAugmenter(p=0.2, random_state=0))
    MUNGEAugmenter(p=0.2, random_state=0)
    """
    valid = ", ".join(repr(a) for a in AUGMENTER_ALIASES)
    if augment is None:
        return NoAugmenter()
    if isinstance(augment, BaseAugmenter):
        return clone(augment)
    if isinstance(augment, str):
        try:
            return _ALIASES[augment]()
        except KeyError:
            raise ValueError(
                f"Unknown augment={augment!r}; valid aliases are {valid}, "
                "None, or a BaseAugmenter instance."
            ) from None
    raise TypeError(
        f"augment must be one of the aliases {valid}, None, or a BaseAugmenter "
        f"instance; got {augment!r} of type {type(augment).__name__}."
    )
