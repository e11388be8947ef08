"""Readers of CoNLL-U and TSV/BIO tagging files: hand-made files, malformed lines, real files."""

import gzip

import pytest

from lstmkit.data import read_conllu, read_tagged_tsv, read_tagging_file

CONLLU = """\
# sent_id = 1
# text = I'm home.
1-2\tI'm\t_\t_\t_\t_\t_\t_\t_\t_
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2\t'm\tbe\tAUX\tVBP\t_\t3\tcop\t_\t_
3\thome\thome\tADV\tRB\t_\t0\troot\t_\t_
3.1\tgone\tgo\tVERB\tVBN\t_\t_\t_\t3:conj\t_
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

# sent_id = 2
1\t#\t#\tSYM\tNN\t_\t0\troot\t_\t_
"""

TSV = """\
# sent_id = a
Al\tB-PER\tx
Zaman\tI-PER\ty

#hashtag\tO\tz
#\tO\tz
\r
# sent_id = c
end\tO\tw"""


def write(tmp_path, name, text, compress=False):
    path = tmp_path / name
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_conllu_skips_comments_ranges_and_empty_nodes(tmp_path):
    sentences, tags = read_conllu(write(tmp_path, "a.conllu", CONLLU))
    assert sentences == [["I", "'m", "home", "."], ["#"]]
    assert tags == [["PRON", "AUX", "ADV", "PUNCT"], ["SYM"]]
    _, xpos = read_conllu(write(tmp_path, "a.conllu", CONLLU), column="xpos")
    assert xpos == [["PRP", "VBP", "RB", "."], ["NN"]]
    _, deprel = read_conllu(write(tmp_path, "a.conllu", CONLLU), column=7)
    assert deprel[0] == ["nsubj", "cop", "root", "punct"]


def test_tsv_forms_may_begin_with_hash_and_gz_is_transparent(tmp_path):
    for compress in (False, True):
        path = write(tmp_path, "a.tsv.gz" if compress else "a.tsv", TSV, compress)
        sentences, tags = read_tagged_tsv(path)
        assert sentences == [["Al", "Zaman"], ["#hashtag", "#"], ["end"]]
        assert tags == [["B-PER", "I-PER"], ["O", "O"], ["O"]]
        assert read_tagged_tsv(path, column=2).tags[0] == ["x", "y"]
        assert read_tagging_file(path) == (sentences, tags)


def test_format_is_chosen_by_name(tmp_path):
    path = write(tmp_path, "b.conllu.gz", CONLLU, compress=True)
    assert read_tagging_file(path).tags[1] == ["SYM"]
    assert read_tagging_file(path, column="xpos").tags[1] == ["NN"]
    with pytest.raises(ValueError, match="format must be one of"):
        read_tagging_file(path, format="csv")


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("a\tX\nb X\n", 2, "expected a TAB-separated token line"),
        ("a\tX\n# note\n", 2, "a line without a TAB inside a sentence"),
        ("a\tX\n\nb\n", 3, "expected a TAB-separated token line"),
        ("a\tX\nb\t\n", 2, "the tag is empty"),
        ("a\tX\n\tX\n", 2, "the word form is empty"),
    ],
)
def test_malformed_tsv_lines_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, "bad.tsv", text)
    with pytest.raises(ValueError, match=rf"bad\.tsv, line {line}: {message}"):
        read_tagged_tsv(path)


def test_malformed_conllu_lines_name_file_and_line(tmp_path):
    short = "1\tI\tI\tPRON\n"
    with pytest.raises(ValueError, match=r"c\.conllu, line 1: .*10 TAB-separated columns; got 4"):
        read_conllu(write(tmp_path, "c.conllu", short))
    skipped = CONLLU.replace("2\t'm", "5\t'm")
    with pytest.raises(ValueError, match=r"line 5: expected word ID 2 .*got '5'"):
        read_conllu(write(tmp_path, "c.conllu", skipped))
    with pytest.raises(ValueError, match="column must be one of"):
        read_conllu(write(tmp_path, "c.conllu", CONLLU), column="pos")
    with pytest.raises(ValueError, match="column 3 .*got 3"):
        read_tagged_tsv(write(tmp_path, "t.tsv", "a\tB\tC\n"), column=3)


def test_empty_and_undecodable_files_are_errors(tmp_path):
    with pytest.raises(ValueError, match="no tagged sentences"):
        read_tagged_tsv(write(tmp_path, "e.tsv", "# only a comment\n\n"))
    path = tmp_path / "latin1.tsv"
    path.write_bytes("a\tX\nd\xe9j\xe0\tY\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.tsv, line 2: not UTF-8"):
        read_tagged_tsv(path)


def test_real_files(shared_data):
    folder = shared_data / "tagging"
    sentences, tags = read_tagged_tsv(folder / "ud_en_ewt" / "en_ewt-dev.upos.tsv.gz")
    assert len(sentences) == 2001
    assert sentences[0][:2] == ["From", "the"]
    assert len({t for s in tags for t in s}) == 17
    assert all(len(s) == len(t) for s, t in zip(sentences, tags, strict=True))
    _, xpos = read_tagged_tsv(folder / "ud_en_ewt" / "en_ewt-dev.upos.tsv.gz", column=2)
    assert xpos[0][:2] == ["IN", "DT"]
    sentences, tags = read_tagged_tsv(folder / "uner_en_ewt" / "en_ewt-test.ner.tsv.gz")
    assert len(sentences) == 2077
    assert {t for s in tags for t in s} <= {
        "O",
        "B-PER",
        "I-PER",
        "B-ORG",
        "I-ORG",
        "B-LOC",
        "I-LOC",
    }
    assert any("#" in s for s in sentences)  # the word "#" is a token, not a comment
