"""Per-epoch records of a training run."""

import math


class History:
    """Lists of per-epoch values keyed by name (`loss`, `val_loss`, `lr`, metrics...)."""

    def __init__(self, records: dict | None = None):
        self.records: dict[str, list] = {k: list(v) for k, v in (records or {}).items()}

    def append(self, values: dict) -> None:
        for name, value in values.items():
            self.records.setdefault(name, []).append(value)

    def __getitem__(self, name: str) -> list:
        return self.records[name]

    def __contains__(self, name: str) -> bool:
        return name in self.records

    @property
    def epochs(self) -> int:
        return max((len(v) for v in self.records.values()), default=0)

    def to_json(self) -> dict:
        """JSON-safe copy (non-finite numbers become None)."""
        return {
            k: [v if not isinstance(v, float) or math.isfinite(v) else None for v in values]
            for k, values in self.records.items()
        }
