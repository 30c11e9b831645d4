//! Witnessing another instance's audit log (LOG-08): the `add-checkpoint` request of C2SP
//! tlog-witness and the witness's decision. A witness holds the newest checkpoint it accepted for
//! each log key and accepts a new one only when it is signed by that key and a consistency proof
//! shows it extends the one held, so the log cannot be rolled back or forked behind its back.

use crate::audit::{Checkpoint, Hash, ORIGIN, key_id, verify_consistency};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// The request body: `old <size>`, one base64 proof hash per line, a blank line, the signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size the sender believes the witness holds (0 for none).
    pub old: u64,
    /// The consistency proof from `old` to the note's size.
    pub proof: Vec<Hash>,
    pub note: String,
}

/// The longest request a witness reads: a note and a proof of at most 64 hashes.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

impl AddCheckpoint {
    pub fn encode(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }

    pub fn parse(body: &str) -> Result<AddCheckpoint, String> {
        let (head, note) = body.split_once("\n\n").ok_or("请求缺少空行分隔的检查点")?;
        let mut lines = head.lines();
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or("第一行应为 old <大小>")?;
        let proof = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| <Hash>::try_from(b).ok())
                    .ok_or_else(|| format!("一致性证明中的哈希无效：{l}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > 64 {
            return Err("一致性证明过长".into());
        }
        Ok(AddCheckpoint {
            old,
            proof,
            note: note.to_string(),
        })
    }
}

/// A log this witness accepts checkpoints of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedLog {
    /// SM2 public key (SEC1).
    pub public_key: Vec<u8>,
}

impl WitnessedLog {
    /// Hex of the key id, as checkpoints are filed under.
    pub fn key_id_hex(&self) -> String {
        hex::encode(key_id(&self.public_key))
    }
}

/// Why a witness refuses a checkpoint; each maps to the status C2SP tlog-witness gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the request cannot be read, or claims an old size beyond the checkpoint.
    Malformed(String),
    /// 404: not a log this witness was told to witness.
    UnknownLog,
    /// 403: the note is not signed by the log's key.
    BadSignature,
    /// 409: the witness holds another size (its size is the answer), or the same size with
    /// another root.
    Conflict(u64),
    /// 422: the proof does not show the checkpoint extends the one held.
    BadProof,
}

/// Which of the witnessed logs signed `note`, and the checkpoint it states.
pub fn signed_by<'a>(
    note: &str,
    logs: &'a [WitnessedLog],
) -> Result<(&'a WitnessedLog, Checkpoint), Refusal> {
    if logs.is_empty() || !note.starts_with(&format!("{ORIGIN}\n")) {
        return Err(Refusal::UnknownLog);
    }
    logs.iter()
        .find_map(|log| {
            Checkpoint::verify_note(note, &log.public_key)
                .ok()
                .map(|cp| (log, cp))
        })
        .ok_or(Refusal::BadSignature)
}

/// The witness's decision on `request` stating `checkpoint`, given the newest checkpoint it holds
/// for that log (size and root). `Ok` when the checkpoint is to be held from now on (or is the
/// one already held: a retried push).
pub fn judge(
    request: &AddCheckpoint,
    checkpoint: &Checkpoint,
    held: Option<(u64, Hash)>,
) -> Result<(), Refusal> {
    if request.old > checkpoint.size {
        return Err(Refusal::Malformed(format!(
            "old {} 大于检查点的大小 {}",
            request.old, checkpoint.size
        )));
    }
    let (held_size, held_root) = held.unwrap_or((0, [0; 32]));
    if request.old != held_size {
        return Err(Refusal::Conflict(held_size));
    }
    if held_size == checkpoint.size {
        return if held_root == checkpoint.root {
            Ok(())
        } else {
            Err(Refusal::Conflict(held_size))
        };
    }
    if held_size > 0
        && !verify_consistency(
            held_size,
            checkpoint.size,
            &held_root,
            &checkpoint.root,
            &request.proof,
        )
    {
        return Err(Refusal::BadProof);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{consistency_proof, root};
    use crate::crypto::{Signer, SoftwareSigner, sm3};

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| sm3(&i.to_be_bytes())).collect()
    }

    fn note(leaves: &[Hash], signer: &dyn Signer) -> String {
        Checkpoint {
            origin: ORIGIN.into(),
            size: leaves.len() as u64,
            root: root(leaves),
        }
        .sign(signer)
        .unwrap()
    }

    #[test]
    fn requests_round_trip() {
        let r = AddCheckpoint {
            old: 7,
            proof: leaves(3),
            note: "emss.sthj.sh.gov.cn/audit\n9\nAAAA\n\n— x y\n".into(),
        };
        assert_eq!(AddCheckpoint::parse(&r.encode()).unwrap(), r);
        assert!(AddCheckpoint::parse("old x\n\nnote").is_err());
        assert!(AddCheckpoint::parse("old 1\nnot-base64!\n\nnote").is_err());
        assert!(AddCheckpoint::parse("old 1\n").is_err());
    }

    /// The decision of a witness of `logs` holding `held`.
    fn decide(
        request: &AddCheckpoint,
        logs: &[WitnessedLog],
        held: Option<(u64, Hash)>,
    ) -> Result<u64, Refusal> {
        let (_, cp) = signed_by(&request.note, logs)?;
        judge(request, &cp, held).map(|()| cp.size)
    }

    #[test]
    fn a_witness_accepts_only_signed_extensions_of_what_it_holds() {
        let (signer, _) = SoftwareSigner::generate().unwrap();
        let logs = vec![WitnessedLog {
            public_key: signer.public_key(),
        }];
        let all = leaves(20);
        let first = AddCheckpoint {
            old: 0,
            proof: vec![],
            note: note(&all[..8], &signer),
        };
        // Nothing held: the first checkpoint is taken on its signature.
        assert_eq!(decide(&first, &logs, None), Ok(8));
        let held = Some((8, root(&all[..8])));

        // An extension with its proof.
        let next = AddCheckpoint {
            old: 8,
            proof: consistency_proof(&all, 8),
            note: note(&all, &signer),
        };
        assert_eq!(decide(&next, &logs, held), Ok(20));
        // The same checkpoint again is fine (a retried push).
        let again = AddCheckpoint {
            old: 8,
            ..first.clone()
        };
        assert_eq!(decide(&again, &logs, held), Ok(8));

        // The sender does not know what the witness holds: told its size.
        assert_eq!(decide(&first, &logs, held), Err(Refusal::Conflict(8)));
        // A rewritten history: no proof connects it to what the witness holds.
        let mut forked = all.clone();
        forked[3] = sm3(b"rewritten");
        let fork = AddCheckpoint {
            old: 8,
            proof: consistency_proof(&forked, 8),
            note: note(&forked, &signer),
        };
        assert_eq!(decide(&fork, &logs, held), Err(Refusal::BadProof));
        // Rolled back below what is held.
        let back = AddCheckpoint {
            old: 8,
            proof: vec![],
            note: note(&all[..5], &signer),
        };
        assert!(matches!(
            decide(&back, &logs, held),
            Err(Refusal::Malformed(_))
        ));
        // Same size, other root.
        let other = AddCheckpoint {
            old: 8,
            proof: vec![],
            note: note(&forked[..8], &signer),
        };
        assert_eq!(decide(&other, &logs, held), Err(Refusal::Conflict(8)));
        // Another key, or a log nobody asked this witness to keep.
        let (stranger, _) = SoftwareSigner::generate().unwrap();
        let foreign = AddCheckpoint {
            old: 8,
            proof: consistency_proof(&all, 8),
            note: note(&all, &stranger),
        };
        assert_eq!(decide(&foreign, &logs, held), Err(Refusal::BadSignature));
        assert_eq!(decide(&next, &[], held), Err(Refusal::UnknownLog));
    }
}
