//! The tamper-evident audit log, as data: how an entry is encoded, hashed and chained, the Merkle
//! tree over all entries (RFC 6962 with SM3 as the hash), its inclusion and consistency proofs, and
//! signed checkpoints (C2SP signed-note format, SM2). Everything here is what an outside verifier
//! re-implements from `docs/audit.md`.

use crate::crypto::{self, CryptoError, Signer};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The name of this log in its checkpoints.
pub const ORIGIN: &str = "emss.sthj.sh.gov.cn/audit";
/// The chain value before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

pub type Hash = [u8; 32];

/// One audit entry, as it is hashed. `detail` holds what changed, with personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 0-based position in the log, without gaps.
    pub seq: u64,
    /// Server time, RFC 3339 UTC with microseconds (`2026-11-29T08:30:00.123456Z`).
    pub at: String,
    pub actor_id: Option<String>,
    pub org_id: Option<String>,
    /// The actor's role codes, comma-separated.
    pub roles: String,
    /// What was done, e.g. `account.create`, `auth.login`.
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// `ok`, `denied` or `error`.
    pub outcome: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub detail: Value,
}

impl Entry {
    /// The documented canonical encoding: the entry as JSON with object keys sorted
    /// (byte order), no insignificant whitespace, UTF-8.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        let mut out = String::new();
        write_canonical(&value, &mut out);
        out.into_bytes()
    }

    /// `SM3(0x00 ‖ canonical bytes)`: the entry's leaf in the Merkle tree.
    pub fn leaf_hash(&self) -> Hash {
        crypto::sm3_parts(&[&[0u8], &self.canonical_bytes()])
    }
}

/// JSON with sorted keys and no whitespace (strings escaped as serde_json escapes them).
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(*k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Entry times keep microseconds, the precision both databases store.
pub fn truncate_to_micros(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Timelike};
    let micros = at.nanosecond() / 1000 * 1000;
    at.with_nanosecond(micros)
        .unwrap_or_else(|| at.trunc_subsecs(6))
}

/// `2026-11-29T08:30:00.123456Z`.
pub fn format_at(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Every action an entry may record, with its Chinese name for pages and exports.
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.logout", "退出登录"),
    ("auth.throttled", "登录过于频繁被拒绝"),
    ("auth.device_resume", "绑定手机自动登录"),
    ("device.revoke", "解除手机绑定"),
    ("account.create", "新建账户"),
    ("account.roles", "设置角色"),
    ("account.enable", "启用账户"),
    ("account.disable", "停用账户"),
    ("account.password_reset", "重置密码"),
    ("account.password_change", "修改密码"),
    ("account.sessions_end", "结束会话"),
    ("security.policy", "修改安全策略"),
    ("catalogue.publish", "发布表单新版本"),
    ("filing.register", "机构注册备案"),
    ("filing.throttled", "注册过于频繁被拒绝"),
    ("filing.update", "修改备案信息"),
    ("filing.submit", "提交备案"),
    ("filing.first_review", "备案一审通过"),
    ("filing.second_review", "备案二审通过"),
    ("filing.reject", "备案退回"),
    ("filing.publish", "公开机构备案"),
    ("filing.unpublish", "取消公开机构备案"),
    ("filing.attachment", "上传备案附件"),
    ("filing.change_request", "提交备案变更申请"),
    ("filing.change_approve", "备案变更申请通过"),
    ("filing.change_reject", "备案变更申请驳回"),
    ("filing.export", "导出机构查询"),
    ("staff.create", "新增人员"),
    ("staff.update", "修改人员"),
    ("staff.resign", "人员离职"),
    ("equipment.create", "新增运维设备"),
    ("equipment.update", "修改运维设备"),
    ("equipment.delete", "删除运维设备"),
    ("spare_part.create", "新增备品备件"),
    ("spare_part.update", "修改备品备件"),
    ("spare_part.delete", "删除备品备件"),
    ("enterprise.import", "导入企业及管理员账户"),
    ("contract.create", "新建合同"),
    ("contract.internal", "生成自行运维内部合同"),
    ("contract.update", "修改合同"),
    ("contract.submit", "提交合同"),
    ("contract.approve", "甲方确认合同"),
    ("contract.reject", "甲方退回合同"),
    ("contract.change_request", "提交合同变更申请"),
    ("contract.change_approve", "合同变更申请通过"),
    ("contract.change_reject", "合同变更申请驳回"),
    ("contract.attachment", "上传合同附件"),
    ("contract.export", "导出合同信息"),
    ("task.create", "保存运维任务"),
    ("task.update", "修改运维任务草稿"),
    ("task.submit", "提交运维任务"),
    ("task.close", "结束运维任务"),
    ("task.report", "上传报告"),
    ("task.change_request", "提交任务变更申请"),
    ("task.change_approve", "任务变更申请通过"),
    ("task.change_reject", "任务变更申请驳回"),
    ("task.export", "导出运维任务"),
    ("evidence.upload", "上传照片或签名"),
    ("evidence.view", "查看照片或签名"),
    ("document.download", "下载文件"),
    ("occurrence.export", "导出运维管理"),
    ("outlet.create", "新增排口"),
    ("outlet.update", "修改排口"),
    ("outlet.import", "导入排口及仪器"),
    ("instrument.create", "新增监测仪器"),
    ("instrument.update", "修改监测仪器"),
    ("outlet.emission_limit", "设置排口排放限值"),
    ("standard_material.create", "登记标准物质"),
    ("standard_material.update", "修改标准物质"),
    ("catalogue.standard_rule", "设置标准物质必选日期"),
    ("record.create", "签到，开始填报运维记录"),
    ("record.update", "保存运维记录草稿"),
    ("record.submit", "结束签到并上传运维记录"),
    ("record.confirm", "企业确认运维记录"),
    ("record.approve", "运维记录审核通过"),
    ("record.void", "作废运维记录"),
    ("record.rejudge", "复判运维记录"),
    ("record.export", "导出运维记录"),
    ("fault.open", "开始失控或不合格时段"),
    ("fault.widen", "失控或不合格时段提前开始"),
    ("fault.close", "结束失控或不合格时段"),
    ("fault.reopen", "重新打开失控或不合格时段"),
    ("fault.cancel", "撤销失控或不合格时段"),
    ("rectification.create", "保存整改单草稿"),
    ("rectification.update", "修改整改单草稿"),
    ("rectification.issue", "下发整改单"),
    ("rectification.sign", "签收整改单"),
    ("rectification.respond", "提交整改情况"),
    ("rectification.accept", "整改单销号"),
    ("rectification.return", "退回整改情况"),
    ("rectification.attachment", "上传整改单附件"),
    ("rectification.extension_request", "申请延期"),
    ("rectification.extension_grant", "同意延期"),
    ("rectification.extension_refuse", "不同意延期"),
    ("rectification.export", "导出整改单"),
    ("rectification.suggest", "提出整改建议"),
    ("rectification.suggestion_adopt", "采纳整改建议"),
    ("rectification.suggestion_dismiss", "不采纳整改建议"),
    ("inspection.create", "登记监督检查"),
    ("inspection.complete", "记录检查结果"),
    ("inspection.finding", "添加检查发现"),
    ("inspection.attachment", "上传检查附件"),
    ("inspection.export", "导出监督检查"),
    ("statistics.export", "导出统计查询"),
    ("credit.system_save", "保存评价指标体系草稿"),
    ("credit.system_publish", "发布评价指标体系"),
    ("credit.compute", "计算信用评价"),
    ("credit.export", "导出信用评价"),
    ("credit.publicity", "发起信用评价公示"),
    ("credit.publish", "公布信用评价结果"),
    ("credit.objection", "提出信用评价异议"),
    ("credit.objection_document", "上传异议材料"),
    ("credit.objection_decide", "处理信用评价异议"),
    ("account.view", "查看账户"),
    ("account.export", "导出账户列表"),
    ("pi.reveal", "查看完整手机号"),
    ("keys.rotate", "轮换个人信息加密密钥"),
    ("authz.denied", "越权访问被拒绝"),
    ("denied.summary", "同一窗口内其余被拒绝的请求（汇总）"),
    ("auth.password_check", "核对本人密码"),
    ("auth.locked", "密码错误过多，账户锁定"),
    ("audit.export", "导出审计日志"),
    ("witness.checkpoint", "保存所见证日志的检查点"),
    ("demo.load", "载入演示数据"),
    ("demo.passwords", "重置演示账户密码"),
    ("bootstrap.administrators", "首次启动创建三员账户"),
];

/// The Chinese name of an action; an action without one shows its code.
pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(code, _)| *code == action)
        .map_or(action, |(_, label)| label)
}

/// The Chinese name of the kind of object an entry is about.
pub fn object_label(kind: &str) -> &str {
    match kind {
        "account" => "账户",
        "device_binding" => "手机绑定",
        "filing" => "机构备案",
        "filing_attachment" => "备案附件",
        "staff" => "人员",
        "equipment" => "运维设备",
        "spare_part" => "备品备件",
        "standard_material" => "标准物质",
        "contract" => "合同",
        "contract_attachment" => "合同附件",
        "task" => "运维任务",
        "task_report" => "运维报告",
        "outlet" => "排口",
        "instrument" => "监测仪器",
        "record" => "运维记录",
        "evidence" => "照片或签名",
        "fault_period" => "失控或不合格时段",
        "rectification" => "整改单",
        "rectification_attachment" => "整改单附件",
        "rectification_suggestion" => "整改建议",
        "inspection" => "监督检查",
        "credit_system" => "评价指标体系",
        "credit_publication" => "信用评价公示",
        "credit_objection" => "信用评价异议",
        "credit_objection_document" => "异议材料",
        "inspection_attachment" => "检查附件",
        "form_type" => "表单",
        "witnessed_log" => "所见证的日志",
        other => other,
    }
}

/// The Chinese name of a field of an entry's detail.
pub fn detail_label(key: &str) -> &str {
    match key {
        "action" => "操作",
        "path" => "地址",
        "reason" => "原因",
        "comment" => "意见",
        "note" => "说明",
        "name" => "名称",
        "title" => "标题",
        "number" => "编号",
        "username" => "用户名",
        "username_cut" => "用户名过长已截断",
        "roles" => "角色",
        "disabled" => "停用",
        "state" => "状态",
        "kind" => "类别",
        "version" => "版本",
        "base_version" => "所依据的版本",
        "previous_version" => "上一版本",
        "change_id" => "变更申请",
        "field" => "字段",
        "value" | "values" => "数值",
        "unit" => "单位",
        "source" => "来源",
        "parameter" => "监测参数",
        "analytes" => "分析项目",
        "instrument_id" | "instruments" => "监测仪器",
        "outlet_id" | "outlets" => "排口",
        "task_id" => "运维任务",
        "org_id" => "单位",
        "occurrences" => "运维计划执行",
        "dropped_occurrences" => "取消的运维计划执行",
        "device_no" => "设备编号",
        "model" => "型号",
        "serial_no" => "出厂编号",
        "quantity" => "数量",
        "purpose" => "用途",
        "resigned" => "离职",
        "required_from" => "起始日期",
        "file_name" => "文件名",
        "result" => "检查结果",
        "finding" => "检查发现",
        "inspected_on" => "检查日期",
        "size" => "大小（字节）",
        "uploaded_by" => "上传人",
        "photos" => "照片",
        "work_photo" => "工作照",
        "signature" => "签名",
        "site" => "现场",
        "judged" => "判定",
        "accounts" => "账户",
        "sessions" => "会话",
        "sessions_ended" => "结束的会话",
        "binding" => "手机绑定",
        "bound_device" => "绑定手机",
        "replaced_sessions" => "被替换的会话",
        "starts_at" => "开始时间",
        "due_at" => "期限",
        "locks_account" => "锁定账户",
        "one_time_until" => "一次性密码有效期至",
        "minutes" => "分钟",
        "key_id" => "密钥编号",
        "root" => "根哈希",
        "from" => "起",
        "requested" => "申请",
        "demo" => "演示数据",
        "problems" => "问题",
        "deadline" => "整改期限",
        "days_late" => "逾期天数",
        "days_late_label" => "逾期",
        "extension" => "延期",
        "attachment" => "附件",
        "sha256" => "文件摘要",
        "filters" => "筛选条件",
        "rows" => "行数",
        "format" => "格式",
        "group" => "统计维度",
        "to" => "止",
        "window" => "时间范围",
        "plan_id" => "运维计划",
        "district" | "district_code" => "区",
        "agency_id" => "运维机构",
        "enterprise_id" => "企业",
        "form_type" => "运维内容",
        "due_from" => "到期日起",
        "due_to" => "到期日止",
        "deadline_from" => "整改期限起",
        "deadline_to" => "整改期限止",
        "issued_from" => "下发日期起",
        "issued_to" => "下发日期止",
        "keyword" => "关键字",
        "year" => "年度",
        "standing" => "评价类型",
        "rated" => "参评机构",
        "excluded" => "不参评机构",
        "grade" => "等级",
        "objection_deadline" => "异议截止日期",
        "decision" => "处理结果",
        "code" => "指标代码",
        "scored_before" => "原得分",
        "scored_after" => "更正后得分",
        "total_after" => "更正后总分",
        "tab" => "分类",
        "category" => "机构类别",
        "filing_state" => "备案状态",
        "published" => "是否公开",
        "testing" => "检测能力",
        "maintenance" => "运维能力",
        "org_kind" => "单位类型",
        "change" => "变更申请",
        "outcome" => "结果",
        "org" => "单位",
        "object_id" => "对象",
        "actor" => "操作人",
        other => other,
    }
}

/// The hash chain: `SM3(previous ‖ leaf)`.
pub fn chain(previous: &Hash, leaf: &Hash) -> Hash {
    crypto::sm3_parts(&[previous, leaf])
}

fn node(left: &Hash, right: &Hash) -> Hash {
    crypto::sm3_parts(&[&[1u8], left, right])
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The Merkle tree hash of the leaves (RFC 6962 MTH); the empty tree hashes to `SM3("")`.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => crypto::sm3(b""),
        1 => leaves[0],
        n => {
            let k = split(n);
            node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 6962 PATH).
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || index >= n {
        return Vec::new();
    }
    let k = split(n);
    if index < k {
        let mut p = inclusion_proof(&leaves[..k], index);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_proof(&leaves[k..], index - k);
        p.push(root(&leaves[..k]));
        p
    }
}

/// Checks that `leaf` is entry `index` of the tree of `size` with `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// The proof that the tree of the first `m` leaves is a prefix of the tree of all `leaves`
/// (RFC 6962 PROOF).
pub fn consistency_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    fn sub(leaves: &[Hash], m: usize, whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole {
                Vec::new()
            } else {
                vec![root(leaves)]
            };
        }
        let k = split(n);
        if m <= k {
            let mut p = sub(&leaves[..k], m, whole);
            p.push(root(&leaves[k..]));
            p
        } else {
            let mut p = sub(&leaves[k..], m - k, false);
            p.push(root(&leaves[..k]));
            p
        }
    }
    if m == 0 || m > leaves.len() {
        return Vec::new();
    }
    sub(leaves, m, true)
}

/// Checks a consistency proof between the trees of sizes `m` ≤ `n` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(m: u64, n: u64, root_m: &Hash, root_n: &Hash, proof: &[Hash]) -> bool {
    if m > n || m == 0 {
        return false;
    }
    if m == n {
        return proof.is_empty() && root_m == root_n;
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if m.is_power_of_two() {
        path.push(*root_m);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (m - 1, n - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *root_m && sr == *root_n && s == 0
}

/// The Merkle root of a growing list of leaves, kept as its perfect subtrees, so the root of every
/// prefix is available in O(log n) while the leaves stream past.
#[derive(Debug, Clone, Default)]
pub struct CompactRange {
    /// (height, hash) of perfect subtrees, largest first.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl CompactRange {
    pub fn push(&mut self, leaf: Hash) {
        let mut current = (0u32, leaf);
        while let Some(&(h, left)) = self.stack.last() {
            if h != current.0 {
                break;
            }
            self.stack.pop();
            current = (h + 1, node(&left, &current.1));
        }
        self.stack.push(current);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut r)) = iter.next() else {
            return crypto::sm3(b"");
        };
        for (_, left) in iter {
            r = node(left, &r);
        }
        r
    }
}

/// The outcome of verifying a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: u64,
    /// How many entries, from the first, the newest valid checkpoint covers.
    pub covered: u64,
    /// The largest checkpoint the verifier already held (from an earlier export or a witness)
    /// that the log was shown to contain; `None` when none was given.
    pub anchored: Option<u64>,
    /// The first problem found, naming the entry or checkpoint; `None` when everything holds.
    pub problem: Option<String>,
}

/// Whether entries after the newest checkpoint are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// An export: every entry must be covered by a signed checkpoint, so nothing in it rests on
    /// the hash chain alone (which anyone can recompute without the key).
    Refused,
    /// The live log: entries newer than the newest checkpoint are waiting for the next one.
    Allowed,
}

/// Checks a log as it streams past: every entry against its stored hashes and the chain, and
/// every checkpoint against its signature and the Merkle root of the entries it covers.
#[derive(Debug)]
pub struct Verifier {
    public_key: Vec<u8>,
    range: CompactRange,
    previous: Hash,
    leaves: Vec<Hash>,
    checkpoints: Vec<Checkpoint>,
    /// Checkpoints the verifier held before it saw this log (rollback detection).
    held: Vec<Checkpoint>,
    problem: Option<String>,
}

impl Verifier {
    pub fn new(public_key: Vec<u8>) -> Verifier {
        Verifier {
            public_key,
            range: CompactRange::default(),
            previous: GENESIS,
            leaves: Vec::new(),
            checkpoints: Vec::new(),
            held: Vec::new(),
            problem: None,
        }
    }

    fn fail(&mut self, problem: String) {
        if self.problem.is_none() {
            self.problem = Some(problem);
        }
    }

    /// The next entry, with the leaf and chain hashes stored beside it (hex).
    pub fn entry(&mut self, entry: &Entry, leaf_hex: &str, chain_hex: &str) {
        if self.problem.is_some() {
            return;
        }
        let expected = self.range.size();
        if entry.seq != expected {
            return self.fail(format!(
                "第 {expected} 条审计记录缺失或顺序被打乱（此处是第 {} 条）",
                entry.seq
            ));
        }
        let leaf = entry.leaf_hash();
        if hex::encode(leaf) != leaf_hex {
            return self.fail(format!(
                "第 {expected} 条审计记录的内容被改动（叶哈希不符）"
            ));
        }
        let chained = chain(&self.previous, &leaf);
        if hex::encode(chained) != chain_hex {
            return self.fail(format!("第 {expected} 条审计记录的链哈希不符"));
        }
        self.previous = chained;
        self.range.push(leaf);
        self.leaves.push(leaf);
    }

    /// A signed checkpoint note carried by the log.
    pub fn checkpoint(&mut self, note: &str) {
        match Checkpoint::verify_note(note, &self.public_key) {
            Ok(cp) => {
                if self.checkpoints.iter().any(|c| c.size == cp.size) {
                    self.fail(format!("出现两个大小同为 {} 的检查点", cp.size));
                }
                self.checkpoints.push(cp);
            }
            Err(e) => self.fail(format!("检查点无效：{e}")),
        }
    }

    /// A checkpoint the verifier already held (kept from an earlier export, or a witness's
    /// copy): the log must reach at least its size and agree with its root, or it was rolled
    /// back or is another log.
    pub fn held(&mut self, note: &str) {
        match Checkpoint::verify_note(note, &self.public_key) {
            Ok(cp) => self.held.push(cp),
            Err(e) => self.fail(format!("已持有的检查点无效：{e}")),
        }
    }

    pub fn finish(mut self, tail: Tail) -> Report {
        let entries = self.range.size();
        let mut checkpoints = std::mem::take(&mut self.checkpoints);
        checkpoints.sort_by_key(|c| c.size);
        let mut held = std::mem::take(&mut self.held);
        held.sort_by_key(|c| c.size);
        let leaves = std::mem::take(&mut self.leaves);
        for cp in checkpoints.iter().chain(&held) {
            if cp.origin != ORIGIN {
                self.fail(format!(
                    "大小为 {} 的检查点来自其他日志（{}）",
                    cp.size, cp.origin
                ));
            }
        }
        for cp in &held {
            if cp.size > entries {
                self.fail(format!(
                    "导出只有 {entries} 条审计记录，少于已持有的大小为 {} 的检查点：日志被回滚或截断",
                    cp.size
                ));
            }
        }
        // One pass over the leaves gives the root at every checkpoint's size.
        let mut range = CompactRange::default();
        let mut all: Vec<(&Checkpoint, bool)> = checkpoints
            .iter()
            .map(|c| (c, false))
            .chain(held.iter().map(|c| (c, true)))
            .filter(|(c, _)| c.size <= entries)
            .collect();
        all.sort_by_key(|(c, _)| c.size);
        for (cp, was_held) in all {
            while range.size() < cp.size {
                range.push(leaves[range.size() as usize]);
            }
            if range.root() != cp.root {
                self.fail(if was_held {
                    format!(
                        "与已持有的大小为 {} 的检查点不符（根哈希不同）：这不是同一份日志，或其历史被改写",
                        cp.size
                    )
                } else {
                    format!("大小为 {} 的检查点与审计记录不符（根哈希不同）", cp.size)
                });
            }
        }
        for cp in &checkpoints {
            if cp.size > entries {
                self.fail(format!(
                    "检查点声明有 {} 条审计记录，但只有 {entries} 条（记录被截断或删除）",
                    cp.size
                ));
            }
        }
        let covered = checkpoints.last().map_or(0, |c| c.size.min(entries));
        if tail == Tail::Refused {
            if checkpoints.is_empty() {
                self.fail(
                    "没有以给定公钥签名的检查点：任何一条审计记录都无法证明未被改动".to_string(),
                );
            } else if covered < entries {
                self.fail(format!(
                    "第 {covered} 至第 {} 条审计记录不在任何签名检查点之内（未签名的尾部）",
                    entries - 1
                ));
            }
        }
        // The proofs an outside party would ask for: the newest entry is in the newest
        // checkpoint, and the oldest checkpoint is a prefix of the newest.
        if self.problem.is_none()
            && let (Some(first), Some(last)) = (checkpoints.first(), checkpoints.last())
            && last.size > 0
        {
            let covered = &leaves[..last.size as usize];
            let index = covered.len() - 1;
            let path = inclusion_proof(covered, index);
            if !verify_inclusion(&covered[index], index as u64, last.size, &path, &last.root) {
                self.fail(format!("大小为 {} 的检查点的包含证明不成立", last.size));
            }
            let proof = consistency_proof(covered, first.size as usize);
            if !verify_consistency(first.size, last.size, &first.root, &last.root, &proof) {
                self.fail(format!(
                    "检查点 {} 与 {} 之间的一致性证明不成立",
                    first.size, last.size
                ));
            }
        }
        Report {
            entries,
            checkpoints: checkpoints.len() as u64,
            covered,
            anchored: held.last().map(|c| c.size),
            problem: self.problem,
        }
    }
}

/// A statement "the log of `origin` had `size` entries with Merkle root `root`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The signed text: origin, size and base64 root, one per line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// The signed note: the body, a blank line and the signature line
    /// `— <origin> base64(key id ‖ 64-byte SM2 signature)`.
    pub fn sign(&self, signer: &dyn Signer) -> Result<String, CryptoError> {
        let signature = signer.sign(self.body().as_bytes())?;
        let mut blob = key_id(&signer.public_key()).to_vec();
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{}\n— {} {}\n",
            self.body(),
            self.origin,
            B64.encode(blob)
        ))
    }

    /// Reads a signed note and checks its signature against `public_key`.
    pub fn verify_note(note: &str, public_key: &[u8]) -> Result<Checkpoint, String> {
        let (body, signatures) = note
            .split_once("\n\n")
            .ok_or("检查点格式错误：缺少签名行")?;
        let body = format!("{body}\n");
        let mut lines = body.lines();
        let origin = lines.next().ok_or("检查点缺少来源")?.to_string();
        let size = lines
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or("检查点大小无效")?;
        let root: Hash = lines
            .next()
            .and_then(|r| B64.decode(r).ok())
            .and_then(|r| r.try_into().ok())
            .ok_or("检查点根哈希无效")?;
        let wanted = key_id(public_key);
        let valid = signatures.lines().any(|line| {
            let Some(rest) = line.strip_prefix("— ") else {
                return false;
            };
            let Some((name, sig)) = rest.split_once(' ') else {
                return false;
            };
            let Ok(blob) = B64.decode(sig) else {
                return false;
            };
            name == origin
                && blob.len() == 68
                && blob[..4] == wanted
                && crypto::sm2_verify(public_key, body.as_bytes(), &blob[4..])
        });
        if !valid {
            return Err("检查点签名无效或不是本系统的签名密钥所签".into());
        }
        Ok(Checkpoint { origin, size, root })
    }
}

/// The first four bytes of SM3 of the public key: which key signed.
pub fn key_id(public_key: &[u8]) -> [u8; 4] {
    let h = crypto::sm3(public_key);
    [h[0], h[1], h[2], h[3]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SoftwareSigner;

    #[test]
    fn every_action_has_one_chinese_name() {
        let mut codes = std::collections::BTreeSet::new();
        for (code, label) in ACTIONS {
            assert!(codes.insert(*code), "{code} twice");
            assert!(!label.is_ascii(), "{code}: {label}");
            assert_eq!(action_label(code), *label);
        }
        assert_eq!(action_label("no.such"), "no.such");
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| crypto::sm3(&(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn canonical_bytes_sort_keys_at_every_level() {
        let e = Entry {
            seq: 3,
            at: "2026-11-29T00:00:00.000001Z".into(),
            actor_id: Some("a".into()),
            org_id: None,
            roles: "filer".into(),
            action: "account.create".into(),
            object_type: Some("account".into()),
            object_id: Some("x".into()),
            outcome: "ok".into(),
            request_id: None,
            ip: Some("127.0.0.1".into()),
            detail: serde_json::json!({"z": 1, "a": {"y": "张", "b": [2, 1]}}),
        };
        let text = String::from_utf8(e.canonical_bytes()).unwrap();
        assert!(text.starts_with("{\"action\":\"account.create\",\"actor_id\":\"a\",\"at\":"));
        assert!(text.contains("\"detail\":{\"a\":{\"b\":[2,1],\"y\":\"张\"},\"z\":1}"));
        assert!(!text.contains(' '));
        let mut changed = e.clone();
        changed.detail = serde_json::json!({"z": 2});
        assert_ne!(changed.leaf_hash(), e.leaf_hash());
    }

    #[test]
    fn roots_follow_rfc6962_shape() {
        let l = leaves(3);
        assert_eq!(root(&l), node(&node(&l[0], &l[1]), &l[2]));
        assert_eq!(root(&l[..1]), l[0]);
    }

    #[test]
    fn inclusion_proofs_round_trip_for_every_leaf_of_many_trees() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = inclusion_proof(&l, i);
                assert!(
                    verify_inclusion(&l[i], i as u64, n as u64, &p, &r),
                    "n={n} i={i}"
                );
                assert!(!verify_inclusion(&l[(i + 1) % n], i as u64, n as u64, &p, &r) || n == 1);
            }
        }
    }

    #[test]
    fn consistency_proofs_round_trip_and_catch_rewrites() {
        for n in 1..=33 {
            let l = leaves(n);
            for m in 1..=n {
                let p = consistency_proof(&l, m);
                assert!(
                    verify_consistency(m as u64, n as u64, &root(&l[..m]), &root(&l), &p),
                    "m={m} n={n}"
                );
                if m < n {
                    let mut rewritten = l.clone();
                    rewritten[m - 1] = crypto::sm3(b"forged");
                    assert!(!verify_consistency(
                        m as u64,
                        n as u64,
                        &root(&l[..m]),
                        &root(&rewritten),
                        &consistency_proof(&rewritten, m)
                    ));
                }
            }
        }
    }

    #[test]
    fn the_compact_range_gives_every_prefix_root() {
        let l = leaves(40);
        let mut range = CompactRange::default();
        assert_eq!(range.root(), root(&[]));
        for (i, leaf) in l.iter().enumerate() {
            range.push(*leaf);
            assert_eq!(range.root(), root(&l[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn checkpoints_are_signed_notes() {
        let (signer, _) = SoftwareSigner::generate().unwrap();
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size: 42,
            root: crypto::sm3(b"root"),
        };
        let note = cp.sign(&signer).unwrap();
        assert!(note.starts_with("emss.sthj.sh.gov.cn/audit\n42\n"));
        assert_eq!(
            Checkpoint::verify_note(&note, &signer.public_key()).unwrap(),
            cp
        );
        let (other, _) = SoftwareSigner::generate().unwrap();
        assert!(Checkpoint::verify_note(&note, &other.public_key()).is_err());
        let forged = note.replace("\n42\n", "\n43\n");
        assert!(Checkpoint::verify_note(&forged, &signer.public_key()).is_err());
    }

    /// A log of `n` entries with their stored hashes, and a note of its first `size` signed by
    /// `signer`.
    fn log(n: u64) -> Vec<(Entry, String, String)> {
        let mut previous = GENESIS;
        (0..n)
            .map(|seq| {
                let entry = Entry {
                    seq,
                    at: "2026-12-06T00:00:00.000000Z".into(),
                    actor_id: None,
                    org_id: None,
                    roles: String::new(),
                    action: "test".into(),
                    object_type: None,
                    object_id: None,
                    outcome: "ok".into(),
                    request_id: None,
                    ip: None,
                    detail: serde_json::json!({"n": seq}),
                };
                let leaf = entry.leaf_hash();
                previous = chain(&previous, &leaf);
                (entry, hex::encode(leaf), hex::encode(previous))
            })
            .collect()
    }

    fn note(log: &[(Entry, String, String)], size: u64, signer: &dyn Signer) -> String {
        let leaves: Vec<Hash> = log[..size as usize]
            .iter()
            .map(|(e, _, _)| e.leaf_hash())
            .collect();
        Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: root(&leaves),
        }
        .sign(signer)
        .unwrap()
    }

    fn verify(
        log: &[(Entry, String, String)],
        notes: &[String],
        held: &[String],
        key: &[u8],
        tail: Tail,
    ) -> Report {
        let mut v = Verifier::new(key.to_vec());
        for (e, l, c) in log {
            v.entry(e, l, c);
        }
        for n in notes {
            v.checkpoint(n);
        }
        for n in held {
            v.held(n);
        }
        v.finish(tail)
    }

    #[test]
    fn an_export_is_proven_only_up_to_its_newest_signed_checkpoint() {
        let (signer, _) = SoftwareSigner::generate().unwrap();
        let key = signer.public_key();
        let entries = log(9);
        let whole = vec![note(&entries, 4, &signer), note(&entries, 9, &signer)];
        let report = verify(&entries, &whole, &[], &key, Tail::Refused);
        assert_eq!(report.problem, None);
        assert_eq!(
            (report.entries, report.covered, report.anchored),
            (9, 9, None)
        );

        // No checkpoint at all: nothing is proven, whatever the chain says.
        let report = verify(&entries, &[], &[], &key, Tail::Refused);
        assert!(
            report
                .problem
                .unwrap()
                .contains("没有以给定公钥签名的检查点")
        );
        // …while the live log may wait for its first one.
        assert_eq!(
            verify(&entries, &[], &[], &key, Tail::Allowed).problem,
            None
        );

        // Entries after the newest checkpoint are an unsigned tail.
        let report = verify(&entries, &whole[..1], &[], &key, Tail::Refused);
        assert!(report.problem.unwrap().contains("第 4 至第 8 条"));
        assert_eq!(
            verify(&entries, &whole[..1], &[], &key, Tail::Allowed).problem,
            None
        );

        // Checkpoints signed with another key prove nothing.
        let (other, _) = SoftwareSigner::generate().unwrap();
        let foreign = vec![note(&entries, 9, &other)];
        let report = verify(&entries, &foreign, &[], &key, Tail::Refused);
        assert!(report.problem.unwrap().contains("签名无效"));
    }

    #[test]
    fn a_held_checkpoint_catches_a_rollback_and_another_history() {
        let (signer, _) = SoftwareSigner::generate().unwrap();
        let key = signer.public_key();
        let entries = log(9);
        let held = vec![note(&entries, 9, &signer)];
        // The log as it was at 5, with its own genuine checkpoint: consistent in itself, but
        // shorter than what the verifier already holds.
        let rolled = &entries[..5];
        let report = verify(
            rolled,
            &[note(rolled, 5, &signer)],
            &held,
            &key,
            Tail::Refused,
        );
        assert!(report.problem.unwrap().contains("日志被回滚或截断"));
        // The whole log reaches the held checkpoint.
        let report = verify(
            &entries,
            &held,
            &[note(&entries, 6, &signer)],
            &key,
            Tail::Refused,
        );
        assert_eq!(report.problem, None);
        assert_eq!(report.anchored, Some(6));
        // A different history of the same length, signed by the same key (a fork).
        let forked = log(12);
        let mut fork = forked[..9].to_vec();
        fork[3].0.detail = serde_json::json!({"n": "forked"});
        let mut previous = GENESIS;
        for (e, l, c) in fork.iter_mut() {
            let leaf = e.leaf_hash();
            previous = chain(&previous, &leaf);
            *l = hex::encode(leaf);
            *c = hex::encode(previous);
        }
        let report = verify(
            &fork,
            &[note(&fork, 9, &signer)],
            &held,
            &key,
            Tail::Refused,
        );
        assert!(report.problem.unwrap().contains("不是同一份日志"));
    }
}
