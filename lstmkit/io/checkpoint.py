"""Training checkpoints: everything needed to resume training bit for bit.

One safetensors file holds the model's weights (`model.<name>`), the optimizer's state arrays
(`optimizer.<name>`), and in its JSON metadata the model's class and configuration, the
optimizer's and schedule's configuration, every module's random-generator state (dropout
masks), and the caller's own JSON state (epoch, history, best score...) and arrays
(`extra.<name>`, e.g. the best weights so far). Writes are atomic.
"""

from dataclasses import dataclass

from lstmkit.io.model_file import header_json, read_lstmkit_file
from lstmkit.io.safetensors import write_safetensors
from lstmkit.registry import lookup

CHECKPOINT_FORMAT = "lstmkit-checkpoint"


@dataclass
class Checkpoint:
    """What `load_checkpoint` returns."""

    model_class: str
    model_config: dict
    model_state: dict  # name -> array
    optimizer_state: dict | None  # {"config", "arrays"} as Optimizer.state_dict()
    schedule_state: dict | None
    rng_states: dict
    state: dict  # the caller's JSON state
    extra_arrays: dict  # the caller's arrays (e.g. the best weights so far)

    def build_model(self):
        """A new model of the saved class and configuration, with the saved weights."""
        return lookup(self.model_class).restore_state(self.model_config, self.model_state)

    def restore(self, model, optimizer=None, schedule=None) -> None:
        """Load weights, generator states, optimizer and schedule state into existing objects."""
        model.load_state_dict(self.model_state)
        model.set_rng_states(self.rng_states)
        if optimizer is not None and self.optimizer_state is not None:
            optimizer.load_state_dict(self.optimizer_state)
        if schedule is not None and self.schedule_state is not None:
            schedule.load_state_dict(self.schedule_state)


def save_checkpoint(
    path, model, optimizer=None, schedule=None, state: dict | None = None, extra_arrays=None
) -> None:
    """Write a checkpoint of `model` (and optimizer, schedule, caller state and arrays)."""
    arrays, model_config = model.export_state()
    tensors = {f"model.{k}": v for k, v in arrays.items()}
    tensors.update({f"extra.{k}": v for k, v in (extra_arrays or {}).items()})
    optimizer_config = None
    if optimizer is not None:
        optimizer_state = optimizer.state_dict()
        tensors.update({f"optimizer.{k}": v for k, v in optimizer_state["arrays"].items()})
        optimizer_config = optimizer_state["config"]
    config = {
        "model": model_config,
        "optimizer": optimizer_config,
        "schedule": None if schedule is None else schedule.state_dict(),
        "rng_states": model.rng_states(),
        "state": state or {},
    }
    write_safetensors(path, tensors, {"lstmkit": header_json(CHECKPOINT_FORMAT, model, config)})


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint written by `save_checkpoint` (validated as `lstmkit.load` does)."""
    arrays, info = read_lstmkit_file(path, CHECKPOINT_FORMAT)
    config = info["config"]
    model_state = {k[len("model.") :]: v for k, v in arrays.items() if k.startswith("model.")}
    optimizer_arrays = {
        k[len("optimizer.") :]: v for k, v in arrays.items() if k.startswith("optimizer.")
    }
    optimizer_state = None
    if config.get("optimizer") is not None:
        optimizer_state = {"config": config["optimizer"], "arrays": optimizer_arrays}
    return Checkpoint(
        model_class=info["class"],
        model_config=config["model"],
        model_state=model_state,
        optimizer_state=optimizer_state,
        schedule_state=config.get("schedule"),
        rng_states=config.get("rng_states", {}),
        state=config.get("state", {}),
        extra_arrays={k[len("extra.") :]: v for k, v in arrays.items() if k.startswith("extra.")},
    )
