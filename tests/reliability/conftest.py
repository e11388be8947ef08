"""Hypothesis profiles for the reliability suite's fuzzing of readers.

"ci" (the default) runs a few hundred examples per reader, a few thousand in all, within the
suite's time budget; "nightly" runs many more. Pick one with LSTMKIT_FUZZ=nightly (see the
README's testing section). The database is off so that a run depends on its profile only.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "nightly",
    max_examples=20_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("LSTMKIT_FUZZ", "ci"))
