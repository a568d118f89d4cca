//! CLI tests as data: each `cmd/*.toml` holds the arguments, expected output and exit code.
//! Regenerate expectations after an intended change with `TRYCMD=overwrite cargo test -p thamdinh-cli`.
#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
