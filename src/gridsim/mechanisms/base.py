"""What every mechanism is: the :class:`Mechanism` protocol, and the registry it is found in.

A mechanism runs one stage of the case pipeline one way. The case pipeline
runs compiled (:mod:`gridsim.kernel`), so a mechanism says what it does by
writing its stage's code and parameters into the kernel's ``iparams`` /
``fparams`` (:meth:`Mechanism.configure`); the kernel's branch for that code
(:mod:`gridsim.kernel.dispatch`) is the behaviour, and the class docstring
says it in words. A new mechanism is a code in :mod:`gridsim.mechanisms.registry`,
a small class registered under it, and its branch in the kernel.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar, Protocol, Self

import numpy as np

from gridsim.mechanisms.registry import REGISTRY, Stage, lookup, names, register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["REGISTRY", "Mechanism", "Stage", "lookup", "names", "register"]


class Mechanism(Protocol):
    """One way of running one stage (registered with :func:`register`).

    Attributes:
        stage: The stage it runs (set by :func:`register`).
        name: Its name in a scenario (set by :func:`register`).
        code: Its code in the kernel (set by :func:`register`).
    """

    stage: ClassVar[Stage]
    name: ClassVar[str]
    code: ClassVar[IntEnum]

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """The mechanism with the parameters a scenario gives it."""
        ...

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Set the kernel's switches and parameters (see :mod:`gridsim.kernel.codes`)."""
        ...
