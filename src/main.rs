fn main() -> std::process::ExitCode {
    chatlint::app::main(std::env::args_os())
}
