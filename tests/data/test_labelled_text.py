import pytest

from lstmkit.data.labelled_text import read_labelled_text


@pytest.mark.parametrize("source", ["amazon_cells", "imdb", "yelp"])
def test_reads_the_uci_sentiment_files(shared_data, source):
    texts, labels = read_labelled_text(
        shared_data / "text" / "uci_sentiment" / f"{source}_labelled.txt"
    )
    assert len(texts) == len(labels) == 1000
    assert sorted(set(labels)) == ["0", "1"] and labels.count("1") == 500
    assert all(text and "\t" not in text for text in texts)


def test_rules_blank_lines_bom_last_tab_and_stripping(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_bytes("\ufeffGood one.\tpos\r\n\n  a\ttab inside \t neg \nÜber gut\tpos\n".encode())
    texts, labels = read_labelled_text(path)
    assert texts == ["Good one.", "a\ttab inside", "Über gut"]
    assert labels == ["pos", "neg", "pos"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"fine\t1\nno tab here\n", "line 2: expected 'text<TAB>label'; no tab"),
        (b"fine\t1\n\nsome text\t  \n", "line 3: the label is empty"),
        (b"\t1\n", "line 1: the text is empty"),
        (b"ok\t1\nbad \xff byte\t0\n", "line 2: not UTF-8"),
        (b"\n\n", "no labelled lines"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.tsv") as error:
        read_labelled_text(path)
    assert message in str(error.value)
