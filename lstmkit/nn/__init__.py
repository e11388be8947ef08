"""Layers to build models from: the Module base, the non-recurrent layers, the recurrent ones.

Module                      the base class (params, grads, train/eval, state dicts)
Sequential                  a chain of single-input modules
Linear                      y = x weight^T + bias
Attention                   additive / multiplicative attention over encoder outputs
Embedding                   y = weight[ids]
Dropout                     inverted dropout (training mode only)
LayerNorm                   normalisation over the last axis
Conv1d                      convolution over time (stride, dilation, groups, lengths)
BatchNorm1d                 normalisation per channel over batch and valid steps
LastStep, MeanPool, MaxPool heads from a padded batch (N, T, F) with lengths to (N, F)
CharEncoder                 word features from characters (a small BiLSTM)
CRF                         linear-chain conditional random field (NLL, Viterbi)
LSTM, GRU, RNN              the recurrent layers (from `lstmkit.recurrent`)
LSTMCell, GRUCell, RNNCell  one recurrent step as a module (torch's contract), for decoders
"""

from lstmkit.module import Module
from lstmkit.nn.attention import Attention
from lstmkit.nn.batch_norm import BatchNorm1d
from lstmkit.nn.cells import GRUCell, LSTMCell, RNNCell
from lstmkit.nn.char_encoder import CharEncoder
from lstmkit.nn.conv import Conv1d
from lstmkit.nn.crf import CRF
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.layer_norm import LayerNorm
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep, MaxPool, MeanPool
from lstmkit.nn.sequential import Sequential
from lstmkit.recurrent import GRU, LSTM, RNN

__all__ = [
    "CRF",
    "CharEncoder",
    "Conv1d",
    "Attention",
    "BatchNorm1d",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "Dropout",
    "Embedding",
    "LastStep",
    "LayerNorm",
    "Linear",
    "MaxPool",
    "MeanPool",
    "Module",
    "Sequential",
]
