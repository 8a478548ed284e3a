"""CSV uploads: parsing rules, and the endpoint over a real server."""

import pytest

from gdviz.uploads import UploadError, parse_csv


def test_parses_numeric_columns_and_marks_bad_cells():
    table = parse_csv(b"a,b,label\n1,2,x\n2,,y\n3,oops,z\n4,8,w\n", "t.csv", 100)
    assert table.rows == 4 and table.numeric == ["a", "b"]
    assert (table.default_x, table.default_y) == ("a", "b")
    assert table.columns["b"].isnan().sum().item() == 2


def test_semicolons_and_bom_are_understood():
    table = parse_csv("\ufeffx;y\n1;2\n3;4\n".encode(), "t.csv", 100)
    assert table.numeric == ["x", "y"]


def test_old_mac_line_endings_are_read():
    table = parse_csv(b"x,y\r1,2\r2,4\r3,7\r", "mac.csv", 100)
    assert table.rows == 3 and table.columns["y"].tolist() == [2, 4, 7]


def test_a_cell_over_the_csv_limit_is_a_413_saying_so():
    with pytest.raises(UploadError) as err:
        parse_csv(b"x,y\n1,2\n3," + b"9" * 131_073 + b"\n", "big.csv", 100)
    assert err.value.status == 413 and "131072 characters" in err.value.msg


def test_european_excel_exports_with_decimal_commas_are_read():
    raw = "Größe;Gewicht\n1,5;60,25\n1,75;1.070,5\n2;80\n".encode("utf-8-sig")
    table = parse_csv(raw, "de.csv", 100)
    assert table.columns["Größe"].tolist() == [1.5, 1.75, 2.0]
    assert table.columns["Gewicht"].tolist() == [60.25, 1070.5, 80.0]


def test_excel_unicode_text_utf16_tab_separated_is_read():
    raw = "x\ty\r\n1\t2\r\n3\t5\r\n".encode("utf-16")  # with its BOM, as Excel saves it
    table = parse_csv(raw, "unicode.txt", 100)
    assert table.columns["x"].tolist() == [1, 3] and table.columns["y"].tolist() == [2, 5]


def test_a_wide_header_over_narrow_rows_holds_little_memory():
    header = ",".join(f"c{i}" for i in range(100)).encode()
    raw = header + b"\n" + b"".join(b"%d,%d\n" % (i, 2 * i) for i in range(200_000))
    table = parse_csv(raw, "wide.csv", 1_000_000)
    assert table.numeric == ["c0", "c1"] and len(table.summary()["columns"]) == 100
    assert table.nbytes <= 2 * 200_000 * 8  # the two numeric columns, nothing for the 98 empty


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", 422, "binary"),
        ("x,y\n1,2\n".encode("utf-16-le"), 422, "binary"),  # UTF-16 without its BOM
        (b"x,y\n\xff\xfe,1\n", 422, "UTF-8"),
        (b"just one column\n1\n2\n", 422, "2 columns"),
        (b"x,y\na,b\nc,d\n", 422, "numeric"),
        (b"x,x\n1,2\n3,4\n", 422, "unique"),
        (b"x,y\n" + b"1,2\n" * 11, 413, "10 rows"),
    ],
)
def test_bad_files_are_refused_with_the_reason(raw, status, words):
    with pytest.raises(UploadError) as err:
        parse_csv(raw, "bad.csv", 10)
    assert (
        err.value.status == status and words in err.value.msg and err.value.msg.startswith("file:")
    )


def test_upload_then_train_on_chosen_columns(client):
    csv = b"height,weight,note\n150,50,a\n160,56,\n170,,c\n180,70,d\n190,80,e\n"
    r = client.post("/api/datasets", files={"file": ("people.csv", csv, "text/csv")})
    assert r.status_code == 201, r.text
    up = r.json()
    assert [c["name"] for c in up["columns"]] == ["height", "weight", "note"]
    assert (up["x"], up["y"], up["rows"]) == ("height", "weight", 5)
    dataset = {"kind": "upload", "id": up["id"], "x": "height", "y": "weight"}
    r = client.post(
        "/api/jobs",
        json={"dataset": dataset, "standardize": True, "batch_size": 2, "mode": "linear"},
    )
    assert r.status_code == 201, r.text
    meta = client.get(f"/api/jobs/{r.json()['id']}").json()["meta"]
    assert meta["n"] == 4 and meta["dataset"]["dropped_rows"] == 1
    assert meta["dataset"]["x_label"] == "z(height)"


def test_upload_errors_name_the_field(client):
    r = client.post(
        "/api/datasets", files={"file": ("x.bin", b"\x00\x01\x02", "application/octet-stream")}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"]
    r = client.post("/api/jobs", json={"dataset": {"kind": "upload", "id": "missing"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "dataset", "id"]
    up = client.post(
        "/api/datasets", files={"file": ("a.csv", b"p,q\n1,2\n3,5\n", "text/csv")}
    ).json()
    r = client.post("/api/jobs", json={"dataset": {"kind": "upload", "id": up["id"], "x": "nope"}})
    assert r.status_code == 422 and "nope" in r.json()["detail"][0]["msg"]
