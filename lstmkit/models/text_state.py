"""Saving the vocabularies of the text estimators.

A `Vocabulary` is not a JSON value itself, so `Estimator`'s `_fitted_json` cannot hold it.
Estimators that learn vocabularies list their names in `_fitted_vocabularies`; this mixin
stores each through `Vocabulary.to_json()` in the file's JSON header and rebuilds it with
`Vocabulary.from_json()` on load.
"""

from lstmkit.data.vocabulary import Vocabulary


class VocabularyState:
    """Mixin for `Estimator` subclasses: save and load the `_fitted_vocabularies`."""

    _fitted_vocabularies: tuple = ()

    def export_state(self) -> tuple[dict, dict]:
        arrays, config = super().export_state()
        config["vocabularies"] = {
            name: getattr(self, name).to_json() for name in self._fitted_vocabularies
        }
        return arrays, config

    @classmethod
    def restore_state(cls, config: dict, arrays: dict):
        estimator = super().restore_state(config, arrays)
        for name in cls._fitted_vocabularies:
            setattr(estimator, name, Vocabulary.from_json(config["vocabularies"][name]))
        return estimator
