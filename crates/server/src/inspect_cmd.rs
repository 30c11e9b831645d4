//! `emss inspect-document`: checks the document on standard input for active content and prints
//! what is wrong with it (nothing when it is safe). The server runs it as a process of its own for
//! every uploaded document (see `emss_app::inspect`): parsing a hostile file may exhaust this
//! process — its memory, stack and processor time are limited before anything is read —, never
//! the server.

use std::io::Read;
use std::process::ExitCode;

/// Address space of this process: ample for a 10 MB document, far below what a decompression
/// bomb asks for.
const MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
/// Processor seconds.
const CPU_SECONDS: u64 = 20;
/// The parsing thread's stack; arrays nested deeper than it holds end this process.
const STACK_BYTES: usize = 16 * 1024 * 1024;

pub fn run() -> ExitCode {
    if let Err(e) = limit() {
        eprintln!("emss inspect-document: limits not set: {e}");
        return ExitCode::FAILURE;
    }
    let mut bytes = Vec::new();
    let max = emss_domain::attachment::MAX_DOCUMENT_BYTES as u64 + 1;
    if let Err(e) = std::io::stdin().take(max).read_to_end(&mut bytes) {
        eprintln!("emss inspect-document: {e}");
        return ExitCode::FAILURE;
    }
    let parsed = std::thread::Builder::new()
        .name("inspect".into())
        .stack_size(STACK_BYTES)
        .spawn(move || emss_domain::attachment::active_content_problem(&bytes));
    match parsed.map(|handle| handle.join()) {
        Ok(Ok(problem)) => {
            if let Some(problem) = problem {
                println!("{problem}");
            }
            ExitCode::SUCCESS
        }
        _ => ExitCode::FAILURE,
    }
}

#[cfg(unix)]
fn limit() -> std::io::Result<()> {
    use rlimit::Resource;
    Resource::AS.set(MEMORY_BYTES, MEMORY_BYTES)?;
    Resource::CPU.set(CPU_SECONDS, CPU_SECONDS)?;
    Resource::CORE.set(0, 0)
}

#[cfg(not(unix))]
fn limit() -> std::io::Result<()> {
    Err(std::io::Error::other("limits need a Unix system"))
}
