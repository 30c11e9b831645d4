//! The instrument parameters an enterprise files and the parameters the forms judge by are one
//! vocabulary: every parameter a form offers exists for its outlet kind, so an instrument's
//! parameter always finds its limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_domain::form::FormDefinition;
use emss_domain::monitoring::parameters;

#[test]
fn form_parameters_are_instrument_parameters() {
    let dir = format!("{}/../../catalogue/forms", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let def = FormDefinition::parse(&std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .unwrap();
        let known = parameters(def.outlet_kind);
        for (_, f) in def.all_fields() {
            if f.id == "parameter" {
                for option in &f.options {
                    assert!(
                        known.contains(&option.as_str()),
                        "{}: {option} is not a {} parameter",
                        def.code,
                        def.outlet_kind.as_str()
                    );
                }
            }
        }
    }
}
