//! A broken definition is refused with the part and the problem named, whether it ships with EMSS
//! (start-up stops) or a regulator uploads it (publication is refused).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_domain::form::FormDefinition;

fn shipped(code: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../catalogue/forms/{code}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Applies `from → to` once to a shipped definition and returns the error text.
fn broken(code: &str, from: &str, to: &str) -> String {
    let text = shipped(code);
    assert!(text.contains(from), "{code} does not contain {from:?}");
    let changed = text.replacen(from, to, 1);
    match FormDefinition::parse(&changed) {
        Ok(_) => panic!("{code}: {from:?} → {to:?} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn each_kind_of_mistake_is_named() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // Syntax and unknown attributes: the line is named.
        (
            "fg_calibration",
            "[[sections]]\nid = \"header\"",
            "[[sections]\nid = \"header\"",
            "第 ",
        ),
        (
            "fg_calibration",
            "kind = \"date\"",
            "kind = \"date\"\ncolour = \"red\"",
            "colour",
        ),
        (
            "fg_calibration",
            "kind = \"date\"",
            "kind = \"clock\"",
            "clock",
        ),
        // Standard materials and limits that apply only below a figure.
        (
            "fg_calibration",
            "prefill = \"standard.span_standard\"",
            "prefill = \"standard.cems_model\"",
            "类型不符",
        ),
        (
            "ww_standard_check",
            "rule = \"standard_valid\"\nvalue = \"standard\"",
            "rule = \"standard_valid\"\nvalue = \"reading\"",
            "类型不符",
        ),
        (
            "fg_inspection_nmhc",
            "rule = \"mean_difference\"\nrows = \"accuracy_pairs\"\nvalue = \"cems\"\nreference = \"reference\"",
            "rule = \"within\"\nvalue = \"aux_09\"",
            "applies_below 只适用于 mean_difference",
        ),
        // Fields bound to the instrument's record.
        (
            "fg_calibration",
            "prefill = \"instrument.range_upper\"",
            "prefill = \"instrument.range_max\"",
            "prefill 只能是",
        ),
        (
            "fg_calibration",
            "kind = \"date\"",
            "kind = \"date\"\nprefill = \"instrument.unit\"",
            "取自仪器档案的字段只能是按仪器重复分区中的",
        ),
        // References.
        (
            "fg_calibration",
            "args = [\"zero_pre\", \"zero_last_post\"",
            "args = [\"zero_pre\", \"zero_lastpost\"",
            "字段 zero_drift：引用的字段 zero_lastpost 不存在",
        ),
        (
            "fg_calibration",
            "\"*\" = \"drift_gas_zero\"",
            "\"*\" = \"drift_gas\"",
            "字段 zero_drift_verdict：限值“drift_gas”不存在",
        ),
        (
            "fg_calibration",
            "value = \"zero_drift\"",
            "value = \"span_drift\"",
            "字段 zero_drift_verdict：引用的字段 span_drift 须排在本字段之前",
        ),
        (
            "ww_repair",
            "not_before = \"fault_at\"",
            "not_before = \"description\"",
            "字段 recovered_at：引用的字段 description 类型不符",
        ),
        // Attributes that do not fit the kind.
        (
            "ww_repair",
            "id = \"description\"\nlabel = \"故障情况描述\"\nkind = \"text\"",
            "id = \"description\"\nlabel = \"故障情况描述\"\nkind = \"text\"\nunit = \"mg\"",
            "字段 description：属性 unit 不适用于此类字段",
        ),
        (
            "ww_standard_check",
            "options = [\"是\", \"否\"]",
            "options = [\"正常\", \"不正常\"]",
            "须用 check 类型",
        ),
        (
            "ww_standard_check",
            "options = [\"是\", \"否\"]",
            "options = [\"是\", \"是\"]",
            "选项为空或重复",
        ),
        // Ids.
        (
            "ww_repair",
            "id = \"summary\"",
            "id = \"description\"",
            "字段 description：字段代码重复",
        ),
        (
            "ww_repair",
            "id = \"summary\"",
            "id = \"Summary\"",
            "字段代码只能由小写字母",
        ),
        // Limits: provenance, shape and use.
        (
            "ww_standard_check",
            "source = \"HJ 355-2019 表1（标样约为工作量程上限的 0.5 倍）\"",
            "source = \" \"",
            "限值 standard_check：须注明来源",
        ),
        (
            "ww_standard_check",
            "confidence = \"code_2\"",
            "confidence = \"sure\"",
            "sure",
        ),
        (
            "fg_calibration",
            "max_abs = 2.5\nout_of_control_abs = 5",
            "max_abs = 2.5\nout_of_control_abs = 2",
            "失控限须与允许误差同时给出且不小于它",
        ),
        (
            "ww_sample_comparison",
            "{ from = 60, error = \"relative\", max_abs = 20, unit = \"%\" },",
            "{ from = 20, error = \"relative\", max_abs = 20, unit = \"%\" },",
            "分段下限须从小到大排列",
        ),
        (
            "ww_sample_comparison",
            "pass_count = [[3, 2], [4, 3], [5, 4]]",
            "pass_count = [[3, 4]]",
            "合格数不超过对数",
        ),
        (
            "ww_consumables",
            "limit = \"expiry\"",
            "rule = \"within\"\nlimit = \"expiry\"",
            "duplicate key",
        ),
        // Conditions.
        (
            "ww_standard_check",
            "required = false\nrequired_when = { field = \"calibrated\", equals = \"是\" }",
            "required_when = { field = \"calibrated\", equals = \"是\" }",
            "有条件必填的字段须写 required = false",
        ),
        (
            "ww_standard_check",
            "equals = \"是\" }",
            "equals = \"对\" }",
            "“对”不是字段 calibrated 的选项",
        ),
        (
            "fg_calibration",
            "greater_than = \"range_lower\"",
            "greater_than = \"principle\"",
            "字段 range_upper：引用的字段 principle 类型不符",
        ),
        // Structure.
        (
            "ww_inspection",
            "kind = \"tabs\"",
            "kind = \"text\"",
            "频次选择",
        ),
        ("ww_repair", "version = 1", "version = 0", "版本号从 1 开始"),
        (
            "ww_repair",
            "code = \"ww_repair\"",
            "code = \"WW-repair\"",
            "代码“WW-repair”",
        ),
        (
            "fg_calibration",
            "computed\"\nformula = \"drift\"\nargs = [\"zero_pre\", \"zero_last_post\", \"range_lower\", \"range_upper\"]",
            "computed\"\nformula = \"drift\"\nargs = [\"zero_pre\", \"zero_last_post\", \"range_lower\"]",
            "公式需要 4 个参数",
        ),
    ];
    for (code, from, to, expected) in cases {
        let message = broken(code, from, to);
        assert!(
            message.contains(expected),
            "{code}: {from:?} → {to:?}\n  got: {message}\n  expected to contain: {expected}"
        );
    }
}

#[test]
fn an_unused_limit_is_a_mistake() {
    let text = format!(
        "{}\n[[limits]]\nid = \"spare\"\nlabel = \"备用\"\nsource = \"无\"\nconfidence = \"seed\"\nmax = 1\n",
        shipped("ww_repair")
    );
    let err = FormDefinition::parse(&text).unwrap_err().to_string();
    assert!(err.contains("限值 spare：限值未被任何判定使用"), "{err}");
}

#[test]
fn a_limit_without_its_unit_is_not_published() {
    let text = shipped("ww_sample_comparison").replacen("unit = \"mg/L\"\n", "", 1);
    let def = FormDefinition::parse(&text).unwrap();
    let e = def.check_publishable().unwrap_err().to_string();
    assert!(e.contains("限值 cod") && e.contains("单位"), "{e}");
    for code in [
        "fg_calibration",
        "fg_periodic_verification",
        "ww_sample_comparison",
    ] {
        FormDefinition::parse(&shipped(code))
            .unwrap()
            .check_publishable()
            .unwrap();
    }
    // An unknown gas, or printed figures without the edge they print, are refused outright.
    let gas = broken("fg_periodic_verification", "gas = \"SO2\"", "gas = \"H2S\"");
    assert!(gas.contains("gas 只能是"), "{gas}");
    let printed = broken(
        "fg_periodic_verification",
        "printed = { unit = \"mg/m³\", from = 57 }",
        "printed = { unit = \"mg/m³\" }",
    );
    assert!(printed.contains("printed"), "{printed}");
}
