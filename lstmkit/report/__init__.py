"""report.html: one self-contained page per training run, written into the --out folder of
every training command (forecast, classify, textclf, tag, charlm train, seq2seq, experiment).

The page holds the data summary, the training curves, the result tables beside the
baselines, the task's plots and a model card; it loads nothing from anywhere (inline style,
images as data: URIs) and escapes every string the user supplied. `lstmkit.report.document`
lays it out; a module per task (forecasting, classification, tagging, language, seq2seq,
experiment) says what goes in.
"""

REPORT = "report.html"  # the file's name in the --out folder
