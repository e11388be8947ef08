"""Projected data-parallel scaling of Trainer(distributed="mpi"): the cost model of
docs/scaling.md evaluated for 8, 32 and 128 ranks on 10, 25 and 100 Gbit/s networks.

One training step on K ranks (per-rank batch B, global batch K * B) costs

    step(K)      = compute(B) + allreduce(K)
    allreduce(K) = 2 (K - 1) / K * gradient_bytes / bandwidth + latency * log2(K)

(lstmkit averages the gradients after the backward pass, so nothing overlaps them). Against
one rank doing the same K * B items one batch of B after the other, the speed-up is
K * compute(B) / step(K) and the efficiency compute(B) / step(K). compute(B) grows about
linearly with B, so the per-rank batch that keeps the efficiency at E is

    B_E = B * E / (1 - E) * allreduce(K) / compute(B)

The gradient size is exact (the parameters of the chosen network, 4 bytes each in float32);
the compute time per step must be MEASURED on the machines in question and given with
--step-seconds (with the per-rank batch it was measured at, --batch). Without it, the table
gives the compute time a step needs for the efficiency --efficiency and for 50 % (where data
parallelism stops paying). The latency is an assumption (--latency; 50 us by default, a TCP
network's order of magnitude).

Run from the repository root:

    python bench/scaling.py --model charlm                        # break-even compute times
    python bench/scaling.py --model charlm --step-seconds 0.12 --batch 32
    python bench/scaling.py --gradient-bytes 4e6 --step-seconds 0.05 --batch 16
"""

import argparse
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RANKS = (8, 32, 128)
GBITS = (10, 25, 100)


def allreduce_seconds(gradient_bytes: float, ranks: int, gbits: float, latency: float) -> float:
    """2 (K - 1) / K * bytes / bandwidth + latency * log2(K); 0 for one rank."""
    if ranks == 1:
        return 0.0
    bandwidth = gbits * 1e9 / 8  # bytes per second
    return 2 * (ranks - 1) / ranks * gradient_bytes / bandwidth + latency * math.log2(ranks)


def network_bytes(model: str, dtype_bytes: int = 4) -> int:
    """The gradient bytes of the network the task model builds with its default sizes: the char
    LM on a 65-character vocabulary (tinyshakespeare), the Forecaster on one series without
    covariates, the SequenceClassifier on 12 channels and 9 classes (JapaneseVowels)."""
    sys.path.insert(0, str(REPO))
    import inspect

    from lstmkit.models import CharLanguageModel, Forecaster, SequenceClassifier
    from lstmkit.models.char_lm_network import CharLMNetwork
    from lstmkit.models.forecast_network import ForecastNetwork
    from lstmkit.models.sequence_network import SequenceNetwork

    def default(cls, name):
        return inspect.signature(cls).parameters[name].default

    if model == "charlm":
        sizes = {k: default(CharLanguageModel, k) for k in ("embedding_dim", "hidden_size")}
        layers = default(CharLanguageModel, "num_layers")
        network = CharLMNetwork(65, num_layers=layers, seed=0, **sizes)
    elif model == "forecaster":
        horizon, hidden = default(Forecaster, "horizon"), default(Forecaster, "hidden_size")
        network = ForecastNetwork(2, horizon, hidden_size=hidden, seed=0)
    else:
        sizes = {k: default(SequenceClassifier, k) for k in ("hidden_size", "num_layers")}
        network = SequenceNetwork(12, 9, seed=0, **sizes)
    return dtype_bytes * sum(p.size for p in network.params.values())


def rows(gradient_bytes, latency, efficiency, step_seconds=None, batch=None):
    """One table row (a dict of formatted cells) per (ranks, network speed)."""
    for ranks in RANKS:
        for gbits in GBITS:
            reduce = allreduce_seconds(gradient_bytes, ranks, gbits, latency)
            row = {
                "ranks": ranks,
                "network": f"{gbits} Gbit/s",
                "allreduce": f"{reduce * 1e3:.2f} ms",
            }
            if step_seconds is None:
                row[f"compute for {efficiency:.0%}"] = (
                    f"{reduce * efficiency / (1 - efficiency) * 1e3:.1f} ms"
                )
                row["compute for 50%"] = f"{reduce * 1e3:.2f} ms"
            else:
                step = step_seconds + reduce
                needed = batch * efficiency / (1 - efficiency) * reduce / step_seconds
                row["step"] = f"{step * 1e3:.1f} ms"
                row["speed-up"] = f"{ranks * step_seconds / step:.1f}x"
                row["efficiency"] = f"{step_seconds / step:.0%}"
                row[f"batch for {efficiency:.0%}"] = str(math.ceil(needed))
            yield row


def markdown(table: list[dict]) -> str:
    header = list(table[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[k]) for k in header) + " |" for row in table]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--model", choices=("charlm", "forecaster", "classifier"))
    size.add_argument("--gradient-bytes", type=float)
    parser.add_argument("--step-seconds", type=float, help="measured compute time of a step")
    parser.add_argument("--batch", type=int, help="the per-rank batch it was measured at")
    parser.add_argument("--latency", type=float, default=50e-6, help="seconds per message")
    parser.add_argument("--efficiency", type=float, default=0.9)
    args = parser.parse_args(argv)
    if (args.step_seconds is None) != (args.batch is None):
        parser.error("--step-seconds and --batch go together")
    if not 0 < args.efficiency < 1:
        parser.error(f"--efficiency must lie in (0, 1); got {args.efficiency}")
    gradient_bytes = args.gradient_bytes or network_bytes(args.model)
    source = f"the {args.model} network" if args.model else "given"
    print(f"gradient: {gradient_bytes / 1e6:.3f} MB ({source}); latency {args.latency * 1e6:g} us")
    if args.step_seconds is not None:
        print(f"compute: {args.step_seconds * 1e3:g} ms per step at per-rank batch {args.batch}")
    table = list(rows(gradient_bytes, args.latency, args.efficiency, args.step_seconds, args.batch))
    print(markdown(table))


if __name__ == "__main__":
    main()
