//! An agency's personnel (人员): the choices the form offers, and the rule that an agency needs
//! staff before it can start tasks.

/// 性别.
pub const GENDERS: [(&str, &str); 2] = [("male", "男"), ("female", "女")];

pub fn gender_label(code: &str) -> &'static str {
    GENDERS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("—")
}

/// 学历, as the national education statistics name them.
pub const EDUCATION: [&str; 8] = [
    "博士研究生",
    "硕士研究生",
    "大学本科",
    "大学专科",
    "中等职业教育",
    "普通高中",
    "初中",
    "其他",
];

/// Why an agency cannot start tasks yet, or None when it can. Product rule: after filing, the
/// agency completes its personnel before it starts tasks; a resigned person does not count.
pub fn task_start_problem(filed: bool, active_staff: u64) -> Option<&'static str> {
    if !filed {
        Some("机构备案尚未通过二审，不能开展运维任务")
    } else if active_staff == 0 {
        Some("机构尚无在职人员，请先在“人员管理”中登记人员")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_before_tasks() {
        assert!(task_start_problem(false, 3).is_some());
        assert_eq!(
            task_start_problem(true, 0),
            Some("机构尚无在职人员，请先在“人员管理”中登记人员")
        );
        assert_eq!(task_start_problem(true, 1), None);
    }

    #[test]
    fn genders_speak_chinese() {
        assert_eq!(gender_label("female"), "女");
        assert_eq!(gender_label("x"), "—");
    }
}
