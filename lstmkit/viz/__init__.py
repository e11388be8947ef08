"""Pictures of models and results (matplotlib, an optional extra: `pip install 'lstmkit[plot]'`).

Every function takes a `pyplot` module (`lstmkit.cli.common.pyplot()`), so importing this package
never imports matplotlib, and writes one PNG file.
"""
