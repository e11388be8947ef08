"""Training on more than one process: the one place that knows about ranks.

`Trainer(distributed="mpi")` under `mpiexec -n K` trains one model on K processes by
synchronous data parallelism (docs/scaling.md): each rank takes its share of every global
batch (`sharding`), the gradients are averaged by one Allreduce over one flat buffer
(`gradients`), losses and metrics are reduced alike and a failing rank stops them all
(`replicas`), over mpi4py (`communicator`, an optional extra: `pip install "lstmkit[mpi]"`).
"""

from lstmkit.distributed.communicator import MPICommunicator, import_mpi
from lstmkit.distributed.failures import RankFailedError
from lstmkit.distributed.gradients import FlatGradients
from lstmkit.distributed.replicas import MPIReplicas, SingleProcess
from lstmkit.distributed.sharding import ShardedData, share

__all__ = [
    "FlatGradients",
    "MPICommunicator",
    "MPIReplicas",
    "RankFailedError",
    "ShardedData",
    "SingleProcess",
    "import_mpi",
    "share",
]
