//! `inkmark`: command-line entry. Parses arguments, loads settings, and hands over to
//! the TUI or to a headless command.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use inkmark::config::Config;
use inkmark::corpus::{self, read_article};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::{self, app::App};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "inkmark",
    version,
    about = "A keyboard-first terminal reader and entity annotator for Chinese and mixed-script articles",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Folder of articles (.txt and .md, searched recursively)
    #[arg(default_value = "seeds")]
    dir: PathBuf,

    /// Folder for annotation files [default: annotations]
    #[arg(long, value_name = "DIR")]
    annotations: Option<PathBuf>,

    /// Name recorded in annotation files [default: config key annotator, else $USER]
    #[arg(long, value_name = "NAME")]
    annotator: Option<String>,

    #[command(flatten)]
    display: DisplayArgs,
}

#[derive(clap::Args, Clone)]
struct DisplayArgs {
    /// Draw East Asian Ambiguous characters (“ ” … — · ②) two columns wide, for terminals
    /// that do so (config key: ambiguous_wide)
    #[arg(long, global = true)]
    ambiguous_wide: bool,

    /// Read settings from this file instead of the user's config and DIR/inkmark.toml
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Detect entities; write one JSON object per file (or per line with --lines) to stdout
    Detect {
        /// Article files; `-` reads standard input
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat each line as a document: `{"id": i, "entities": [...]}` for line i
        #[arg(long)]
        lines: bool,
        /// Only jieba's tags (nr/nrfg/nrt, ns, nt), without inkmark's rules: the baseline
        #[arg(long)]
        baseline: bool,
    },
    /// Print an article wrapped exactly as the reader shows it
    Show {
        /// The article file
        file: PathBuf,
        /// Columns to wrap to [default: the terminal's width, or 80 when piped]
        #[arg(long, short)]
        width: Option<usize>,
    },
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("inkmark: {e:#}");
        std::process::exit(1);
    }
}

fn width_options(cfg: &Config, display: &DisplayArgs) -> WidthOptions {
    WidthOptions {
        ambiguous_wide: display.ambiguous_wide || cfg.ambiguous_wide.unwrap_or(false),
        tab_width: cfg.tab_width.unwrap_or(4).max(1),
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Show { file, width }) => show(&file, width, &cli.display),
        Some(Command::Detect {
            files,
            lines,
            baseline,
        }) => detect(&files, lines, baseline),
        None => open_tui(&cli.dir, cli.annotations, cli.annotator, &cli.display),
    }
}

fn show(file: &Path, width: Option<usize>, display: &DisplayArgs) -> Result<()> {
    let cfg =
        Config::resolve(file.parent(), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let opts = width_options(&cfg, display);
    let article = read_article(file).with_context(|| format!("cannot read {}", file.display()))?;
    if let Some(at) = article.invalid_utf8_at {
        eprintln!(
            "inkmark: {}: not valid UTF-8 from byte {at}; bad bytes are shown as �",
            file.display()
        );
    }
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let width = match width {
        Some(0) => bail!("--width must be at least 1"),
        Some(w) => w,
        None if tty => ratatui::crossterm::terminal::size().map_or(80, |(w, _)| w as usize),
        None => 80,
    };
    let styled = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let out = inkmark::show::render(&article.text, width, opts, styled);
    let mut lock = stdout.lock();
    match lock.write_all(out.as_bytes()).and_then(|_| lock.flush()) {
        // A closed pipe (`inkmark show x | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

fn open_tui(
    dir: &Path,
    annotations: Option<PathBuf>,
    annotator: Option<String>,
    display: &DisplayArgs,
) -> Result<()> {
    if !dir.exists() {
        bail!(
            "no folder {} here; give the folder of articles: inkmark DIR",
            dir.display()
        );
    }
    let cfg = Config::resolve(Some(dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let opts = width_options(&cfg, display);
    let corpus = corpus::scan(dir).with_context(|| format!("cannot open {}", dir.display()))?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the reader needs a terminal; for plain output use: inkmark show FILE");
    }
    let annotations = annotations
        .or(cfg.annotations.clone())
        .unwrap_or_else(|| PathBuf::from("annotations"));
    let (positions, warning) = Positions::load(Positions::default_file());
    let mut app = App::new(corpus, annotations, opts, positions);
    app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if let Some(name) = annotator.or(cfg.annotator.clone()) {
        app.annotator = name;
    }
    if warning.is_some() {
        app.message = warning;
    }
    let cache = inkmark::detect::cache::DetectCache {
        dir: inkmark::detect::cache::DetectCache::default_dir(),
    };
    tui::run(app, cache)
}

fn read_input(path: &Path) -> Result<String> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("cannot read stdin")?;
        buf
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            eprintln!(
                "inkmark: {}: not valid UTF-8 from byte {}; bad bytes read as U+FFFD",
                path.display(),
                e.utf8_error().valid_up_to()
            );
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

fn detect(files: &[PathBuf], lines: bool, baseline: bool) -> Result<()> {
    use inkmark::detect::{entities_json, Detector, DETECTOR_VERSION};
    let detector = Detector::new();
    let run = |text: &str| {
        if baseline {
            detector.baseline(text)
        } else {
            detector.detect(text)
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write = |value: serde_json::Value| -> Result<bool> {
        match writeln!(out, "{value}") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            r => r.map(|_| true).context("cannot write to stdout"),
        }
    };
    for path in files {
        let text = read_input(path)?;
        if lines {
            let mut docs: Vec<&str> = text.split('\n').collect();
            if docs.last() == Some(&"") {
                docs.pop();
            }
            for (id, line) in docs.into_iter().enumerate() {
                let line = line.strip_suffix('\r').unwrap_or(line);
                let spans = run(line);
                let v = serde_json::json!({"id": id, "entities": entities_json(line, &spans)});
                if !write(v)? {
                    return Ok(());
                }
            }
        } else {
            let spans = run(&text);
            let v = serde_json::json!({
                "file": path.to_string_lossy(),
                "sha256": inkmark::detect::sha256_hex(text.as_bytes()),
                "detector": if baseline { "jieba-baseline" } else { DETECTOR_VERSION },
                "entities": entities_json(&text, &spans),
            });
            if !write(v)? {
                return Ok(());
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}
