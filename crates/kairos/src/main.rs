//! `kairos`: parses the command line and runs the command. Errors are printed as one line,
//! `error: …` on stderr, with exit code 1 (2 for usage errors, from clap).
#![forbid(unsafe_code)]

use clap::Parser;
use kairos::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    // One TLS crypto provider for the whole process (relay, IMAP and provider clients name
    // it too); installed before anything could ask for the default.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(kairos::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
