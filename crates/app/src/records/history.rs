//! "上次校准后测试值": the value an earlier approved record of the same form type holds for the
//! same instrument and parameter. Read once before a submission is judged.

use crate::{App, AppError};
use emss_db::repo;
use emss_domain::form::evaluate::PreviousValues;
use emss_domain::form::number::parse_decimal;
use rust_decimal::Decimal;
use serde_json::Value;

/// How many approved records back a submission looks.
const LOOKBACK: u64 = 20;

/// The fields of the approved records of a form type at an outlet, latest visit first.
pub(super) struct History {
    records: Vec<Value>,
}

impl History {
    pub(super) async fn load(
        app: &App,
        outlet_id: &str,
        form_code: &str,
    ) -> Result<History, AppError> {
        let rows =
            repo::record::approved_before(&app.db().conn, outlet_id, form_code, LOOKBACK).await?;
        let records = rows
            .iter()
            .map(|r| serde_json::from_str(&r.fields))
            .collect::<Result<Vec<Value>, _>>()
            .map_err(AppError::internal)?;
        Ok(History { records })
    }
}

fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => parse_decimal(s),
        Value::Number(n) => parse_decimal(&n.to_string()),
        _ => None,
    }
}

fn names(v: Option<&Value>, parameter: &str) -> bool {
    match v {
        Some(Value::String(s)) => s == parameter,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(parameter)),
        _ => false,
    }
}

/// The field's value in the section instance of this instrument and parameter, anywhere in a
/// record's fields.
fn find(v: &Value, instrument_id: &str, parameter: &str, field: &str) -> Option<Decimal> {
    match v {
        Value::Object(map) => {
            if map.get("instrument_id").and_then(Value::as_str) == Some(instrument_id)
                && names(map.get("parameter"), parameter)
                && let Some(found) = map.get(field).and_then(number)
            {
                return Some(found);
            }
            map.values()
                .find_map(|child| find(child, instrument_id, parameter, field))
        }
        Value::Array(items) => items
            .iter()
            .find_map(|child| find(child, instrument_id, parameter, field)),
        _ => None,
    }
}

impl PreviousValues for History {
    fn previous(
        &self,
        _form_code: &str,
        instrument_id: &str,
        parameter: &str,
        field: &str,
    ) -> Option<Decimal> {
        self.records
            .iter()
            .find_map(|r| find(r, instrument_id, parameter, field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_latest_record_of_the_same_instrument_and_parameter_answers() {
        let history = History {
            records: vec![
                json!({"analytes": [{"instrument_id": "i2", "parameter": "COD", "after": "50.1"}]}),
                json!({"analytes": [
                    {"instrument_id": "i1", "parameter": "氨氮", "after": "2.00"},
                    {"instrument_id": "i1", "parameter": "COD", "after": "49.8"}
                ]}),
                json!({"analytes": [{"instrument_id": "i1", "parameter": "COD", "after": "48.0"}]}),
            ],
        };
        assert_eq!(
            history.previous("f", "i1", "COD", "after"),
            Some(Decimal::new(498, 1))
        );
        assert_eq!(history.previous("f", "i1", "总磷", "after"), None);
        assert_eq!(history.previous("f", "i3", "COD", "after"), None);
    }
}
