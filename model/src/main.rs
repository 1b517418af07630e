//! `cargo run -p model -- check|explore|replay|sim|mutants|validate ...`: one match arm per sub-command.

use model::checker::cli::{self, Command};

/// The checker allocates and frees a few small objects per explored state on two threads; glibc's
/// allocator spent about 30% of a run in malloc/free and its arena locks, mimalloc a fraction.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = match cli::parse(&args) {
        Err(code) => code,
        Ok(parsed) => match parsed.command {
            Command::Check(a) => cli::run_check(&a),
            Command::Explore(a) => cli::run_explore(&a),
            Command::Replay(a) => cli::run_replay(&a),
            Command::Sim(a) => model::sim::cli::run(&a),
            Command::Mutants(a) => model::zoo::cli::run(&a),
            Command::Validate(a) => model::tla::validate::cli(&a.files),
        },
    };
    std::process::exit(code);
}
