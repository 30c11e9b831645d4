//! What several tests set up the same way before their own steps: a contract party A has
//! confirmed, an enterprise's outlet, an agency's staff and equipment — each through the API.

use crate::TestApp;
use anyhow::{Result, anyhow};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id_of(v: &Value) -> Result<String> {
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no id in {v}"))
}

impl TestApp {
    /// A `nature` contract of agency_a with ent_a for March–December 2027, submitted and
    /// approved by party A: its id.
    pub async fn confirmed_contract(&self, nature: &str) -> Result<String> {
        let agency = self.token("agency_a").await?;
        let party = self.token("ent_a").await?;
        let body = json!({"enterprise_id": self.org_of("ent_a").await?,
            "title": format!("高桥东方{nature}合同"), "nature": nature, "amount": "36000.00",
            "performance_start": "2027-03-01", "performance_end": "2027-12-31", "submit": true});
        let (status, c) = self
            .call(Method::POST, &agency, "/api/v1/contracts", Some(body))
            .await?;
        if status != StatusCode::CREATED {
            return Err(anyhow!("contract not created: {status} {c}"));
        }
        let id = id_of(&c)?;
        let (status, c) = self
            .call(
                Method::POST,
                &party,
                &format!("/api/v1/contracts/{id}/decision"),
                Some(json!({"decision": "approve"})),
            )
            .await?;
        if status != StatusCode::OK || c["state"] != "approved" {
            return Err(anyhow!("contract not approved: {status} {c}"));
        }
        Ok(id)
    }

    /// `enterprise`'s outlet of `kind`, as the city reads it.
    pub async fn outlet_of(&self, enterprise: &str, kind: &str) -> Result<Value> {
        let city = self.token("city").await?;
        let org = self.org_of(enterprise).await?;
        let (_, page) = self
            .call(
                Method::GET,
                &city,
                &format!("/api/v1/outlets?enterprise_id={org}&page_size=100"),
                None,
            )
            .await?;
        page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|o| o["kind"] == kind))
            .cloned()
            .ok_or_else(|| anyhow!("{enterprise} has no {kind} outlet: {page}"))
    }

    /// An agency's staff (id, resigned) and equipment ids, as the city reads them.
    pub async fn agency_resources(
        &self,
        agency: &str,
    ) -> Result<(Vec<(String, bool)>, Vec<String>)> {
        let city = self.token("city").await?;
        let org = self.org_of(agency).await?;
        let (status, r) = self
            .call(
                Method::GET,
                &city,
                &format!("/api/v1/agencies/{org}/resources"),
                None,
            )
            .await?;
        if status != StatusCode::OK {
            return Err(anyhow!("resources of {agency}: {status} {r}"));
        }
        let list = |key: &str| r[key].as_array().cloned().unwrap_or_default();
        let staff = list("staff")
            .iter()
            .map(|s| Ok((id_of(s)?, s["resigned"].as_bool().unwrap_or(false))))
            .collect::<Result<Vec<_>>>()?;
        let equipment = list("equipment")
            .iter()
            .map(id_of)
            .collect::<Result<Vec<_>>>()?;
        Ok((staff, equipment))
    }
}
