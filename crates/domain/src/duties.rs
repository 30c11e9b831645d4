//! Separation of duties on a record: the person who files it (现场运维), the one who confirms it
//! for the enterprise (运维确认) and the one who reviews it (运维审核) are three different people.
//! Between an agency and an enterprise this holds by itself; a self-maintaining enterprise does
//! all three, so it must have three people for them.

use crate::role::Role;

/// Above this many accounts the search below is not worth it: so many people always leave room
/// for three different ones unless one role is missing, which is checked first.
const SEARCH_LIMIT: usize = 60;

/// What stops the organisation whose accounts hold these roles (one list per enabled account)
/// from having a record filed, confirmed and reviewed by three different people; None when
/// nothing does.
pub fn three_people_problem(accounts: &[Vec<Role>]) -> Option<String> {
    let holders = |role: Role| -> Vec<usize> {
        (0..accounts.len())
            .filter(|i| accounts[*i].contains(&role))
            .collect()
    };
    let duties = [Role::Filer, Role::Confirmer, Role::Reviewer];
    let missing: Vec<&str> = duties
        .iter()
        .filter(|r| holders(**r).is_empty())
        .map(|r| r.label())
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "运维记录须由三个不同的人分别填报（现场运维）、确认（运维确认）、审核（运维审核）；\
             本单位还没有启用的“{}”账号，请在账户管理中分配",
            missing.join("”“")
        ));
    }
    let (filers, confirmers, reviewers) = (
        holders(Role::Filer),
        holders(Role::Confirmer),
        holders(Role::Reviewer),
    );
    if accounts.len() > SEARCH_LIMIT {
        return None;
    }
    let found = filers.iter().any(|f| {
        confirmers
            .iter()
            .filter(|c| *c != f)
            .any(|c| reviewers.iter().any(|r| r != f && r != c))
    });
    (!found).then(|| {
        "运维记录须由三个不同的人分别填报（现场运维）、确认（运维确认）、审核（运维审核）；\
         本单位持有这三个角色的账号不足三人，请在账户管理中把它们分给不同的人"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_different_people_are_needed() {
        use Role::*;
        assert_eq!(
            three_people_problem(&[vec![Filer], vec![Confirmer], vec![Reviewer]]),
            None
        );
        // One person holding two duties is fine while a third covers the rest.
        assert_eq!(
            three_people_problem(&[
                vec![Filer, Confirmer],
                vec![Confirmer, Reviewer],
                vec![Filer]
            ]),
            None
        );
        let one = three_people_problem(&[vec![Filer, Confirmer, Reviewer]]).unwrap_or_default();
        assert!(one.contains("不足三人"), "{one}");
        let two = three_people_problem(&[vec![Filer, Confirmer], vec![Reviewer, Confirmer]])
            .unwrap_or_default();
        assert!(two.contains("不足三人"), "{two}");
        let missing = three_people_problem(&[vec![Filer], vec![TaskManager]]).unwrap_or_default();
        assert!(
            missing.contains("运维确认") && missing.contains("运维审核"),
            "{missing}"
        );
    }
}
