"""Long-time-lag experiments after Hochreiter and Schmidhuber (1997), and gradient flow.

run_experiment(name, T, ...)   LSTM, GRU and RNN of similar size trained on one task and lag
gradient_norms(kind, T, ...)   ||d loss_T / d x_t|| for every step t
get_task(name, T)              the tasks: adding, adding-fixed, temporal-order(-8), reber, copy
TaskNetwork                    one recurrent layer and a linear read-out
"""

from lstmkit.experiments.gradients import gradient_norms, input_gradients, plot_gradient_norms
from lstmkit.experiments.network import TaskNetwork, matched_hidden_size, parameter_count
from lstmkit.experiments.run import MODELS, format_table, run_experiment, write_table
from lstmkit.experiments.tasks import TASKS, Task, get_task
from lstmkit.experiments.training import RunResult, evaluate, train_network

__all__ = [
    "MODELS",
    "TASKS",
    "RunResult",
    "Task",
    "TaskNetwork",
    "evaluate",
    "format_table",
    "get_task",
    "gradient_norms",
    "input_gradients",
    "matched_hidden_size",
    "parameter_count",
    "plot_gradient_norms",
    "run_experiment",
    "train_network",
    "write_table",
]
