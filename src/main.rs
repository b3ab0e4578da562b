//! `inkmark`: command-line entry. Parses arguments, loads settings, and hands over to
//! the TUI or to a headless command.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use inkmark::annotation::store::{Loaded, Store};
use inkmark::config::Config;
use inkmark::corpus::{self, read_article};
use inkmark::positions::Positions;
use inkmark::text::{count, json_for_terminal, sanitize_line, sanitize_text, WidthOptions};
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

    /// Folder for annotation files [default: config key annotations, else
    /// annotations/<annotator> when an annotator is named, else annotations]
    #[arg(long, value_name = "DIR")]
    annotations: Option<PathBuf>,

    /// Name recorded in annotation files; also picks the folder annotations/<NAME>
    /// [default: config key annotator, else $USER (which picks no folder)]
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

/// `inkmark --config X check seeds` as `inkmark check --config X seeds`: the flags users
/// write git-style before the command (which the reader's own `[DIR]` would otherwise
/// take the command name for) are moved after it. Only known flags before a known
/// command move; anything else is left for clap to judge. A moved flag the command does
/// not take is an error that says so (clap's own would suggest `-- --annotations`).
fn hoist_flags(args: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>, String> {
    use clap::CommandFactory;
    const WITH_VALUE: [&str; 3] = ["--config", "--annotations", "--annotator"];
    const ALONE: [&str; 1] = ["--ambiguous-wide"];
    let commands: Vec<String> = Cli::command()
        .get_subcommands()
        .flat_map(|c| {
            std::iter::once(c.get_name().to_string()).chain(c.get_all_aliases().map(str::to_string))
        })
        .collect();
    let mut i = 1;
    while let Some(a) = args.get(i).and_then(|a| a.to_str()) {
        let name = a.split('=').next().unwrap_or(a);
        if WITH_VALUE.contains(&name) && !a.contains('=') {
            i += 2;
        } else if WITH_VALUE.contains(&name) || ALONE.contains(&a) {
            i += 1;
        } else {
            break;
        }
    }
    let first = args.get(i).and_then(|a| a.to_str());
    let Some(command) = first.filter(|c| i > 1 && commands.iter().any(|n| n == c)) else {
        return Ok(args);
    };
    let cli = Cli::command();
    let sub = cli
        .get_subcommands()
        .find(|c| c.get_name() == command || c.get_all_aliases().any(|a| a == command));
    for a in args[1..i].iter().filter_map(|a| a.to_str()) {
        let Some(flag) = a
            .strip_prefix("--")
            .map(|f| f.split('=').next().unwrap_or(f))
        else {
            continue;
        };
        let global = cli
            .get_arguments()
            .any(|x| x.is_global_set() && x.get_long() == Some(flag));
        if !global && sub.is_some_and(|c| !c.get_arguments().any(|x| x.get_long() == Some(flag))) {
            return Err(format!("--{flag} does not apply to `inkmark {command}`"));
        }
    }
    let mut out = vec![args[0].clone(), args[i].clone()];
    out.extend(args[1..i].iter().cloned());
    out.extend(args[i + 1..].iter().cloned());
    Ok(out)
}

/// Where a headless command finds the corpus and its annotations.
#[derive(clap::Args, Clone)]
struct CorpusArgs {
    /// Folder of articles
    #[arg(default_value = "seeds")]
    dir: PathBuf,
    /// Folder of annotation files [default: config key annotations, else
    /// annotations/<annotator> when an annotator is named, else annotations]
    #[arg(long, value_name = "DIR")]
    annotations: Option<PathBuf>,
    /// Annotator whose folder (annotations/<NAME>) is used when no folder is given
    /// [default: config key annotator]
    #[arg(long, value_name = "NAME")]
    annotator: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Export annotations for doccano, Label Studio, brat, CoNLL trainers or spaCy
    Export {
        #[arg(long, short, value_enum)]
        format: inkmark::export::Format,
        /// Output file (a folder for brat) [default: stdout; brat: exports/brat, as `E`]
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Only articles with this status
        #[arg(long, value_parser = parse_status)]
        status: Option<inkmark::annotation::Status>,
        /// Only these labels of the label set (comma-separated, e.g. PER,LOC)
        #[arg(long, value_delimiter = ',')]
        labels: Vec<String>,
        /// CoNLL tagging scheme (bio loads in seqeval and `spacy convert`; bioes in
        /// seqeval's IOBES mode, not in `spacy convert`)
        #[arg(long, value_enum, default_value = "bio")]
        scheme: inkmark::export::Scheme,
        /// CoNLL: what separates a character from its tag (tab: MSRA files and
        /// HuggingFace's MSRA reader; both work with `spacy convert` and whitespace readers)
        #[arg(long, value_enum, default_value = "tab")]
        sep: inkmark::export::Sep,
        /// CoNLL: a "-DOCSTART- -X- O O" line before each article (CoNLL-2003; where
        /// `spacy convert --converter ner` splits documents)
        #[arg(long)]
        docstart: bool,
        /// Offset unit: labelstudio codepoints (default) or utf16 (before Label Studio
        /// counted code points); doccano utf16 (default) or graphemes (projects that count
        /// grapheme clusters)
        #[arg(long, value_enum)]
        offsets: Option<inkmark::export::Offsets>,
        /// Label Studio: leave out the detector's open suggestions ("predictions")
        #[arg(long)]
        no_predictions: bool,
        /// Replace an existing --out file (never an article or annotation file)
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        corpus: CorpusArgs,
    },
    /// Import annotations from doccano, Label Studio, brat, CoNLL or spaCy files
    Import {
        #[arg(long, short, value_enum)]
        format: inkmark::export::Format,
        /// Files to import (brat: the .ann files, next to their .txt)
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Offset unit of the file, as for export (labelstudio: codepoints or utf16;
        /// doccano: utf16 or graphemes)
        #[arg(long, value_enum)]
        offsets: Option<inkmark::export::Offsets>,
        /// Folder of articles; documents that match no article are written there
        #[arg(long, default_value = "seeds")]
        dir: PathBuf,
        /// Folder of annotation files
        #[arg(long, value_name = "DIR")]
        annotations: Option<PathBuf>,
        /// Name recorded in new annotation files (and, with no folder given, the folder
        /// annotations/<NAME>)
        #[arg(long)]
        annotator: Option<String>,
        /// Foreign label names to the label set's, comma-separated (Person=PER,GPE=LOC)
        #[arg(long, value_delimiter = ',', value_name = "FROM=TO")]
        map: Vec<String>,
        /// Labels still unknown after --map are added to the corpus's inkmark.toml
        /// (default: stop before writing anything and list them)
        #[arg(long)]
        add_labels: bool,
    },
    /// Rename a label in every annotation file (merging into NEW when it exists)
    Relabel {
        /// The label the files hold now
        old: String,
        /// Its new name
        new: String,
        /// Folder of articles
        #[arg(default_value = "seeds")]
        dir: PathBuf,
        /// Folder of annotation files [default: as for the other commands]
        #[arg(long, value_name = "DIR")]
        annotations: Option<PathBuf>,
        /// Annotator whose folder (annotations/<NAME>) is used when no folder is given
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
        /// Print what would change per file; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Articles by status, entities by label and source, the most frequent texts
    Stats {
        /// JSON for scripts
        #[arg(long)]
        json: bool,
        /// How many frequent texts to list per label
        #[arg(long, default_value_t = 5)]
        top: usize,
        #[command(flatten)]
        corpus: CorpusArgs,
    },
    /// Validate every annotation file against its article; exit 1 when anything is wrong
    Check {
        #[command(flatten)]
        corpus: CorpusArgs,
    },
    /// Test helper for the kill test: saves numbered versions of an annotation file in a
    /// loop until killed
    #[command(name = "__save-loop", hide = true)]
    SaveLoop {
        file: PathBuf,
        /// Written as the article name, so a test can tell its runs apart
        #[arg(default_value = "a.txt")]
        tag: String,
    },
    /// Test helper for the two-writer test: reads an annotation file, adds one span at
    /// START, waits until AT (Unix time in ms), saves
    #[command(name = "__add-span", hide = true)]
    AddSpan {
        file: PathBuf,
        start: usize,
        at: u64,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Detect entities; write one JSON object per file (or per line with --lines) to stdout
    Detect {
        /// Article files; `-` reads standard input
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat each line as a document: `{"id": i, "entities": [...]}` for line i
        #[arg(long)]
        lines: bool,
        /// Only jieba's tags (nr/nrfg/nrt, ns, nt), without inkmark's rules: the baseline
        #[arg(long, conflicts_with = "rules")]
        baseline: bool,
        /// Only the hand-written rules, without the trained tagger (the detector before it)
        #[arg(long)]
        rules: bool,
        /// Use the corpus model in this annotation folder (from `inkmark train`) [default:
        /// the annotation folder of the usual rule, as the reader]
        #[arg(long, value_name = "DIR")]
        annotations: Option<PathBuf>,
        /// Annotator whose folder (annotations/<NAME>) holds the corpus model when no
        /// folder is given [default: config key annotator]
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
        /// Ignore the corpus model: the base model only
        #[arg(long)]
        no_model: bool,
        /// Leave out entities scored under this (0-1) [default: config min_score, else 0]
        #[arg(long, value_name = "P")]
        min_score: Option<f32>,
        /// Threads [default: one per core]
        #[arg(long, short)]
        jobs: Option<usize>,
    },
    /// Learn from the articles marked done: fit a corpus model, keep it if it beats the
    /// current one on a held-out tenth of the sentences
    Train {
        /// Also learn from articles in progress (half-done articles teach wrong negatives)
        #[arg(long)]
        include_in_progress: bool,
        /// Keep the new model even if it does not score better on the held-out sentences
        #[arg(long)]
        force: bool,
        /// Passes over the data
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        /// Mix in sentences of this character-level BIO file (the base model's data, e.g.
        /// ../shared/data/msra-train-3k.bio), up to twice the annotator's; repeatable
        #[arg(long, value_name = "FILE")]
        base_data: Vec<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        corpus: CorpusArgs,
    },
    /// Agreement between annotators' folders: exact-span F1 per label, character-level
    /// Cohen's kappa per pair, Fleiss' kappa for three or more, kinds of disagreement
    Agree {
        /// Folder of articles
        #[arg(default_value = "seeds")]
        dir: PathBuf,
        /// One annotator's folder (give two or more)
        #[arg(long, value_name = "DIR")]
        annotations: Vec<PathBuf>,
        /// Every subfolder of this folder that holds annotation files is an annotator
        #[arg(long, value_name = "DIR", conflicts_with = "annotations")]
        team: Option<PathBuf>,
        /// JSON for scripts
        #[arg(long)]
        json: bool,
        /// Also list the articles, worst agreement first
        #[arg(long)]
        by_article: bool,
        /// Articles of any status, not only the ones every annotator marked done
        #[arg(long)]
        all: bool,
        /// Threads [default: one per core]
        #[arg(long, short)]
        jobs: Option<usize>,
    },
    /// Review: the reader on the articles every annotator compared has (marked done, unless
    /// --all), their agreed spans taken into a gold folder, each disagreement to settle
    Review {
        /// Folder of articles
        #[arg(default_value = "seeds")]
        dir: PathBuf,
        /// One annotator's folder (give two or more)
        #[arg(long, value_name = "DIR")]
        annotations: Vec<PathBuf>,
        /// Every subfolder of this folder that holds annotation files is an annotator
        /// (but the --to folder)
        #[arg(long, value_name = "DIR", conflicts_with = "annotations")]
        team: Option<PathBuf>,
        /// The gold folder the review writes (a normal annotation folder)
        #[arg(long, value_name = "DIR", required = true)]
        to: PathBuf,
        /// Articles of any status, not only the ones every annotator marked done
        #[arg(long)]
        all: bool,
        /// The reviewer's name in the gold files [default: config key annotator, else $USER]
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
        /// Threads for reading the annotators' files [default: one per core]
        #[arg(long, short)]
        jobs: Option<usize>,
    },
    /// Plan who annotates what: each article to one annotator, a fraction to two (for
    /// `agree`); written to assignment.json in the folder of the annotators' folders
    Assign {
        /// Folder of articles
        #[arg(default_value = "seeds")]
        dir: PathBuf,
        /// The annotators, comma-separated (alice,bob,carol)
        #[arg(long, value_delimiter = ',', required = true)]
        team: Vec<String>,
        /// Fraction of articles given to two annotators (0-1)
        #[arg(long, default_value_t = 0.0)]
        overlap: f64,
        /// The folder holding the annotators' folders
        #[arg(long, value_name = "DIR", default_value = "annotations")]
        annotations: PathBuf,
        /// Replace an existing plan (annotators may lose articles they started)
        #[arg(long)]
        force: bool,
    },
    /// Write a patterns file (JSONL) from the confirmed spans of every annotation file:
    /// each distinct text once, with its most frequent label
    Patterns {
        /// Folder of annotation files (searched recursively)
        #[arg(long, value_name = "DIR", required = true)]
        from: PathBuf,
        /// Folder of articles (its inkmark.toml names the labels)
        #[arg(default_value = "seeds")]
        dir: PathBuf,
        /// Output file [default: stdout]
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace an existing output file
        #[arg(long)]
        force: bool,
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
    // Rust ignores SIGPIPE, so a print to a closed pipe (`inkmark ... | head`) would
    // panic; the default action ends the process quietly, as other command-line tools do.
    // SAFETY: called first thing, before any thread exists; SIG_DFL is a valid disposition.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = match hoist_flags(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("inkmark: {message}");
            std::process::exit(2);
        }
    };
    let cli = Cli::parse_from(args);
    if let Err(e) = run(cli) {
        // Errors name files: a file name can hold an escape sequence.
        eprintln!("inkmark: {}", sanitize_line(&format!("{e:#}")));
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
        Some(Command::Patterns {
            from,
            dir,
            out,
            force,
        }) => patterns(&from, &dir, out.as_deref(), force, &cli.display),
        Some(Command::Export {
            format,
            out,
            status,
            labels,
            scheme,
            sep,
            docstart,
            offsets,
            no_predictions,
            force,
            corpus,
        }) => export(
            format,
            (out, force),
            status,
            labels,
            inkmark::export::Options {
                scheme,
                sep,
                docstart,
                offsets,
            },
            !no_predictions,
            &corpus,
            &cli.display,
        ),
        Some(Command::Import {
            format,
            files,
            offsets,
            dir,
            annotations,
            annotator,
            map,
            add_labels,
        }) => import(
            format,
            &files,
            offsets,
            &dir,
            annotations,
            annotator,
            &map,
            add_labels,
            &cli.display,
        ),
        Some(Command::Relabel {
            old,
            new,
            dir,
            annotations,
            annotator,
            dry_run,
        }) => relabel(
            &old,
            &new,
            &CorpusArgs {
                dir,
                annotations,
                annotator,
            },
            dry_run,
            &cli.display,
        ),
        Some(Command::Stats { json, top, corpus }) => stats(json, top, &corpus, &cli.display),
        Some(Command::Check { corpus }) => check(&corpus, &cli.display),
        Some(Command::SaveLoop { file, tag }) => save_loop(&file, &tag),
        Some(Command::AddSpan { file, start, at }) => add_span(&file, start, at),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "inkmark",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Some(Command::Detect {
            files,
            lines,
            baseline,
            rules,
            annotations,
            annotator,
            no_model,
            min_score,
            jobs,
        }) => {
            let kind = if baseline {
                DetectKind::Baseline
            } else if rules {
                DetectKind::Rules
            } else {
                DetectKind::Model {
                    annotations,
                    annotator,
                    no_model,
                }
            };
            detect(&files, lines, kind, min_score, jobs, &cli.display)
        }
        Some(Command::Train {
            include_in_progress,
            force,
            epochs,
            base_data,
            json,
            corpus,
        }) => train(
            &corpus,
            &cli.display,
            inkmark::learn::TrainOptions {
                include_in_progress,
                force,
                epochs: epochs.max(1),
                base_data,
            },
            json,
        ),
        Some(Command::Agree {
            dir,
            annotations,
            team,
            json,
            by_article,
            all,
            jobs,
        }) => agree(
            &dir,
            annotations,
            team,
            json,
            by_article,
            &cli.display,
            inkmark::team::AgreeOptions {
                all,
                threads: jobs
                    .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
                    .unwrap_or(1)
                    .max(1),
            },
        ),
        Some(Command::Assign {
            dir,
            team,
            overlap,
            annotations,
            force,
        }) => assign(&dir, &team, overlap, &annotations, force),
        Some(Command::Review {
            dir,
            annotations,
            team,
            to,
            all,
            annotator,
            jobs,
        }) => {
            let threads = jobs
                .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
                .unwrap_or(1)
                .max(1);
            let setup = review_setup(&dir, annotations, team, to, all, threads)?;
            open_reader(&dir, None, annotator, &cli.display, Some(setup))
        }
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
            sanitize_line(&file.display().to_string())
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
    open_reader(dir, annotations, annotator, display, None)
}

/// What `review` compares, checked.
struct ReviewSetup {
    to: PathBuf,
    annotators: Vec<inkmark::team::Annotator>,
    all: bool,
    threads: usize,
}

/// The same path, whether or not it exists yet (compared after resolving links).
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Checks review's folders before the terminal is taken: one line per problem, exit 1.
fn review_setup(
    dir: &Path,
    annotations: Vec<PathBuf>,
    team: Option<PathBuf>,
    to: PathBuf,
    all: bool,
    threads: usize,
) -> Result<ReviewSetup> {
    if !dir.is_dir() {
        bail!("no folder {}", dir.display());
    }
    if to.exists() && !to.is_dir() {
        bail!("--to {}: not a folder", to.display());
    }
    // The gold folder often sits among the annotators' folders: not one of them.
    let annotators = annotator_folders("review", team, &annotations, Some(&to))?;
    Ok(ReviewSetup {
        to,
        annotators,
        all,
        threads,
    })
}

/// The reader, or with `review` the reader in review mode on the gold folder.
fn open_reader(
    dir: &Path,
    annotations: Option<PathBuf>,
    annotator: Option<String>,
    display: &DisplayArgs,
    review: Option<ReviewSetup>,
) -> Result<()> {
    if !dir.exists() {
        // The word may have been meant as a command: name both readings. The list comes
        // from the parser, so a new command is never left out.
        use clap::CommandFactory;
        let commands: Vec<String> = Cli::command()
            .get_subcommands()
            .filter(|c| !c.is_hide_set() && c.get_name() != "help")
            .map(|c| c.get_name().to_string())
            .collect();
        bail!(
            "{}: no such folder or command (commands: {}; inkmark --help)",
            dir.display(),
            commands.join(", ")
        );
    }
    let cfg = Config::resolve(Some(dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let opts = width_options(&cfg, display);
    // Bad key bindings stop here, before the terminal is taken over.
    let keymap = tui::keys::KeyMap::new(&cfg.key_bindings(), &cfg.keys_origin)
        .map_err(anyhow::Error::msg)?;
    // So does a bad label set: the reader never starts with half of a config.
    let labels = cfg.label_set().map_err(anyhow::Error::msg)?;
    // So do bad patterns (checked against that set).
    let patterns = cfg.load_patterns(&labels).map_err(anyhow::Error::msg)?;
    // Only the names: titles and lengths are read in the background by the reader.
    let annotations = match &review {
        Some(rv) => rv.to.clone(),
        None => cfg
            .annotation_dir(annotations, annotator.as_deref())
            .map_err(anyhow::Error::msg)?,
    };
    // The annotation folder(s) in use are never read as articles.
    let mut skip = vec![annotations.clone()];
    if let Some(rv) = &review {
        skip.extend(rv.annotators.iter().map(|a| a.dir.clone()));
    }
    let mut corpus = corpus::list_skipping(dir, &skip)
        .with_context(|| format!("cannot open {}", dir.display()))?;
    // Review: per article kept, its open disagreements when known before opening it.
    let mut counts: Vec<Option<usize>> = Vec::new();
    if let Some(rv) = &review {
        // 20,000 articles take a second or two before the reader opens: say so.
        let bar = progress(corpus.entries.len(), "reading the annotators' files");
        let kept = inkmark::team::review::reviewable(
            &corpus,
            &rv.annotators,
            &rv.to,
            rv.all,
            rv.threads,
            || bar.inc(1),
        );
        bar.finish_and_clear();
        let keep = match kept {
            Ok(k) => k,
            Err(errors) => {
                for e in &errors {
                    eprintln!("inkmark: {}", sanitize_line(e));
                }
                std::process::exit(1);
            }
        };
        let mut keep = keep.into_iter();
        corpus.entries.retain(|_| match keep.next().flatten() {
            Some(count) => {
                counts.push(count);
                true
            }
            None => false,
        });
        if corpus.entries.is_empty() {
            let names: Vec<&str> = rv.annotators.iter().map(|a| a.name.as_str()).collect();
            bail!(
                "nothing to review: no article that {} all {}",
                names.join(", "),
                if rv.all {
                    "annotated"
                } else {
                    "marked done (--all: any status)"
                }
            );
        }
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the reader needs a terminal; for plain output use: inkmark show FILE");
    }
    let (positions, warning) = Positions::load(Positions::default_file());
    let mut app = App::new(corpus, annotations, opts, positions);
    app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.min_score = cfg.min_score.unwrap_or(0.0).clamp(0.0, 1.0);
    app.keymap = keymap;
    app.labels = labels;
    app.patterns = std::sync::Arc::new(patterns);
    if let Some(name) = annotator.or(cfg.annotator.clone()) {
        app.annotator = name;
    }
    if warning.is_some() {
        app.message = warning;
    }
    app.peers = inkmark::team::peers::siblings(&app.annotations_dir);
    match review {
        Some(rv) => {
            let intro = format!(
                "review: {}; ] walks the disagreements, , . + - c choose (? keys)",
                count(app.corpus.entries.len(), "article", "articles")
            );
            app.message = Some(match app.message.take() {
                Some(m) => format!("{m}; {intro}"),
                None => intro,
            });
            let mut session = tui::review::ReviewSession::new(rv.annotators);
            session.counts = counts;
            app.review = Some(session);
        }
        None => match inkmark::team::assign::mine(&app.annotations_dir, &app.annotator) {
            Ok(mine) => app.assigned = mine,
            Err(e) => app.message = Some(format!("assignment plan not read: {e}")),
        },
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
        corpus::read_regular(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            eprintln!(
                "inkmark: {}: not valid UTF-8 from byte {}; bad bytes read as U+FFFD",
                sanitize_line(&path.display().to_string()),
                e.utf8_error().valid_up_to()
            );
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

/// Which detector `inkmark detect` runs.
enum DetectKind {
    Baseline,
    Rules,
    Model {
        annotations: Option<PathBuf>,
        annotator: Option<String>,
        no_model: bool,
    },
}

fn detect(
    files: &[PathBuf],
    lines: bool,
    kind: DetectKind,
    min_score: Option<f32>,
    jobs: Option<usize>,
    display: &DisplayArgs,
) -> Result<()> {
    use inkmark::detect::{entities_json_scored, Detector, EntityOut};
    use inkmark::parallel::for_each_in_order;

    /// One input file's result, as `detect` prints it.
    #[derive(serde::Serialize)]
    struct FileRecord<'a> {
        file: std::borrow::Cow<'a, str>,
        sha256: String,
        detector: &'a str,
        entities: Vec<EntityOut<'a>>,
    }
    /// One input line's result, with `--lines`.
    #[derive(serde::Serialize)]
    struct LineRecord<'a> {
        id: usize,
        entities: Vec<EntityOut<'a>>,
    }

    let cfg = Config::resolve(
        files.first().and_then(|f| f.parent()),
        display.config.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let labels = cfg.label_set().map_err(anyhow::Error::msg)?;
    let min_score = min_score.or(cfg.min_score).unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_score) {
        bail!("--min-score must be between 0 and 1");
    }
    let patterns = cfg.load_patterns(&labels).map_err(anyhow::Error::msg)?;
    patterns.compile().map_err(anyhow::Error::msg)?;
    let baseline = matches!(kind, DetectKind::Baseline);
    let (detector, lexicon) = match kind {
        DetectKind::Baseline | DetectKind::Rules => (Detector::rules_only(), Default::default()),
        DetectKind::Model {
            annotations,
            annotator,
            no_model,
        } => {
            // One folder rule for every command: the reader's corpus model, not only
            // with --annotations.
            let dir = cfg
                .annotation_dir(annotations, annotator.as_deref())
                .map_err(anyhow::Error::msg)?;
            let (d, warning) = inkmark::learn::detector_for(Some(&dir), no_model);
            if let Some(w) = warning {
                eprintln!("inkmark: {}", sanitize_line(&w));
            }
            // What the annotator confirmed there is suggested where nothing else was, as
            // the reader does.
            let texts = inkmark::detect::confirmed::corpus_texts(&dir, &labels);
            (d, inkmark::detect::confirmed::Lexicon::new(&texts))
        }
    };
    let version = if baseline {
        "jieba-baseline".to_string()
    } else {
        patterns.version(&detector.version())
    };
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    type Found = (
        Vec<inkmark::label::Span>,
        Option<Vec<f32>>,
        Vec<inkmark::detect::SuggestionSource>,
    );
    let run = |text: &str| -> Found {
        if baseline {
            let (spans, _) =
                inkmark::detect::follow_labels(detector.baseline(text), vec![], &labels);
            (spans, None, Vec::new())
        } else {
            let (spans, scores) = detector.detect_scored(text);
            let (spans, scores) = inkmark::detect::follow_labels(spans, scores, &labels);
            let mut a = inkmark::detect::Analysis {
                spans,
                scores,
                ..Default::default()
            };
            // The config's patterns win over the detector where they overlap.
            patterns.apply(text, &mut a);
            lexicon.apply(text, &mut a);
            // Compared as printed (3 decimals), so what is kept agrees with what is shown.
            a.retain_scored(|s| (s * 1000.0).round() / 1000.0 >= min_score);
            (a.spans, Some(a.scores), a.sources)
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Each result is serialized on its worker and printed in input order as soon as it
    // is due, so a big corpus or a 10 MB article is never held as JSON values.
    let mut failure: Option<anyhow::Error> = None;
    // An input that cannot be read (a FIFO, a missing file) is reported and skipped: the
    // other files are still detected, and the exit status says something failed.
    let mut input_errors = 0;
    let mut write = |line: Result<String>| -> bool {
        let line = match line {
            Err(e) if e.is::<InputError>() => {
                eprintln!("inkmark: {}", sanitize_line(&format!("{e:#}")));
                input_errors += 1;
                return true;
            }
            other => other,
        };
        let written = line.and_then(|line| match writeln!(out, "{}", json_for_terminal(&line)) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            r => r.map(|_| true).context("cannot write to stdout"),
        });
        match written {
            Ok(go_on) => go_on,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    };
    if lines {
        for path in files {
            let text = match read_input(path) {
                Ok(t) => t,
                Err(e) => {
                    write(Err(anyhow::Error::new(InputError(format!("{e:#}")))));
                    continue;
                }
            };
            let mut docs: Vec<&str> = text.split('\n').collect();
            if docs.last() == Some(&"") {
                docs.pop();
            }
            // Lines in chunks across the cores; output in input order.
            let chunks: Vec<(usize, &[&str])> = docs
                .chunks(64)
                .enumerate()
                .map(|(i, c)| (i * 64, c))
                .collect();
            let mut stopped = false;
            for_each_in_order(
                &chunks,
                jobs,
                |&(first, chunk)| -> Result<String> {
                    let mut lines = String::new();
                    for (k, line) in chunk.iter().enumerate() {
                        let line = line.strip_suffix('\r').unwrap_or(line);
                        let (spans, scores, sources) = run(line);
                        let record = LineRecord {
                            id: first + k,
                            entities: entities_json_scored(
                                line,
                                &spans,
                                scores.as_deref(),
                                &sources,
                            ),
                        };
                        if k > 0 {
                            lines.push('\n');
                        }
                        lines.push_str(&serde_json::to_string(&record)?);
                    }
                    Ok(lines)
                },
                |lines| {
                    let go_on = write(lines);
                    stopped |= !go_on;
                    go_on
                },
            );
            if stopped {
                break;
            }
        }
    } else {
        // One file per task, in parallel; results printed in the order given.
        for_each_in_order(
            files,
            jobs,
            |path| -> Result<String> {
                let text = read_input(path)
                    .map_err(|e| anyhow::Error::new(InputError(format!("{e:#}"))))?;
                let (spans, scores, sources) = run(&text);
                let record = FileRecord {
                    file: path.to_string_lossy(),
                    sha256: inkmark::detect::sha256_hex(text.as_bytes()),
                    detector: &version,
                    entities: entities_json_scored(&text, &spans, scores.as_deref(), &sources),
                };
                Ok(serde_json::to_string(&record)?)
            },
            &mut write,
        );
    }
    if let Some(e) = failure {
        return Err(e);
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        r => r.context("cannot write to stdout")?,
    }
    if input_errors > 0 {
        // Each was reported on its own line already.
        std::process::exit(1);
    }
    Ok(())
}

/// `inkmark patterns --from DIR`: the confirmed texts as a patterns file.
fn patterns(
    from: &Path,
    dir: &Path,
    out: Option<&Path>,
    force: bool,
    display: &DisplayArgs,
) -> Result<()> {
    use inkmark::detect::patterns::{read_annotation_files, Dictionary};
    // Checked first: a refusal should not wait for the whole folder to be read.
    if let Some(out) = out {
        if !force && std::fs::symlink_metadata(out).is_ok() {
            bail!("{}: already exists (--force replaces it)", out.display());
        }
    }
    // The corpus's labels: texts confirmed under others are left out, so the file loads.
    let cfg = Config::resolve(Some(dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let labels = cfg.label_set().map_err(anyhow::Error::msg)?;
    if !from.is_dir() {
        bail!("{}: no such folder", from.display());
    }
    let files = read_annotation_files(from).map_err(anyhow::Error::msg)?;
    let d = Dictionary::build(&files, &labels);
    for (text, counts) in &d.ambiguous {
        let each: Vec<String> = counts.iter().map(|(l, n)| format!("{l} {n}")).collect();
        eprintln!(
            "inkmark: ambiguous: {} confirmed as {}; kept {}",
            sanitize_line(text),
            each.join(", "),
            counts[0].0
        );
    }
    for (label, n) in &d.unknown_labels {
        eprintln!("inkmark: left out {n} span(s) labelled {label}: not in the label set");
    }
    if d.single_characters > 0 {
        eprintln!(
            "inkmark: left out {} one-character text(s) (too ambiguous to pre-label)",
            d.single_characters
        );
    }
    let jsonl = d.to_jsonl();
    match out {
        Some(path) => {
            inkmark::annotation::store::write_atomic(path, jsonl.as_bytes(), &|_| Ok(()))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "inkmark: {} patterns from {} annotation files written to {}",
                d.entries.len(),
                d.files,
                sanitize_line(&path.display().to_string())
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(jsonl.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r.context("cannot write to stdout")?,
            }
        }
    }
    Ok(())
}

/// An input of `detect` that could not be read (reported, then the others go on).
#[derive(Debug)]
struct InputError(String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn train(
    args: &CorpusArgs,
    display: &DisplayArgs,
    opts: inkmark::learn::TrainOptions,
    json: bool,
) -> Result<()> {
    let (corpus, annotations, set) = open_corpus(args, display)?;
    // A model must not learn labels the scheme no longer has.
    refuse_labels_outside(&corpus, &[&annotations], &set)?;
    let bar = progress(0, "training");
    let report = match inkmark::learn::train_corpus(&corpus, &annotations, &opts, |what| {
        bar.set_message(what.to_string())
    }) {
        Ok(r) => r,
        // Some errors list their places (`FILE:LINE: …`), one line each.
        Err(e) => {
            bar.finish_and_clear();
            for line in e.lines() {
                eprintln!("inkmark: {}", sanitize_line(line));
            }
            std::process::exit(1);
        }
    };
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "learned from {} ({}; {} held out, with {}) in {:.1} s",
        count(report.articles, "article", "articles"),
        count(report.sentences, "sentence", "sentences"),
        report.held_out_sentences,
        count(report.held_out_entities, "entity", "entities"),
        report.seconds
    );
    if report.base_sentences > 0 {
        println!(
            "mixed in {} sentences of the base data",
            report.base_sentences
        );
    }
    println!(
        "held-out F1, all labels: current {:.3}, new {:.3}",
        report.current_f1, report.new_f1
    );
    for (label, before, after) in &report.per_label {
        println!("  {label:<6} {before:.3} -> {after:.3}");
    }
    let path = inkmark::learn::model_path(&annotations);
    if report.kept {
        println!(
            "kept: {} (used by the reader and by `inkmark detect --annotations {}`)",
            path.display(),
            annotations.display()
        );
    } else if !report.enough_held_out {
        println!(
            "not kept: only {} entities in the held-out sentences, {} needed to judge a model; mark more articles done (--force keeps it anyway)",
            report.held_out_entities,
            inkmark::learn::MIN_HELD_OUT_ENTITIES
        );
    } else {
        println!(
            "not kept: the new model does not beat the current one on the held-out sentences (--force keeps it anyway)"
        );
    }
    Ok(())
}

fn parse_status(s: &str) -> Result<inkmark::annotation::Status, String> {
    use inkmark::annotation::Status;
    match s.replace('-', "_").as_str() {
        "todo" => Ok(Status::Todo),
        "in_progress" | "inprogress" | "doing" => Ok(Status::InProgress),
        "done" => Ok(Status::Done),
        _ => Err("expected todo, in_progress or done".to_string()),
    }
}

/// Label names given on the command line, each one of the set's.
fn labels_in_set(
    names: &[String],
    set: &inkmark::label::LabelSet,
) -> Result<Vec<inkmark::label::Label>> {
    names
        .iter()
        .map(|n| {
            set.resolve(n).ok_or_else(|| {
                let all: Vec<String> = set.labels().map(|l| l.to_string()).collect();
                anyhow::anyhow!("unknown label {n:?} (the label set: {})", all.join(", "))
            })
        })
        .collect()
}

/// A progress bar on stderr when it is a terminal; nothing when piped.
fn progress(len: usize, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// The corpus, the annotation folder and the label set of a headless command.
fn open_corpus(
    args: &CorpusArgs,
    display: &DisplayArgs,
) -> Result<(inkmark::corpus::Corpus, PathBuf, inkmark::label::LabelSet)> {
    if !args.dir.is_dir() {
        bail!("no folder {}", args.dir.display());
    }
    let cfg =
        Config::resolve(Some(&args.dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    // Checked before anything is read or written.
    let labels = cfg.label_set().map_err(anyhow::Error::msg)?;
    let annotations = cfg
        .annotation_dir(args.annotations.clone(), args.annotator.as_deref())
        .map_err(anyhow::Error::msg)?;
    let corpus = corpus::scan_skipping(&args.dir, std::slice::from_ref(&annotations))
        .with_context(|| format!("cannot open {}", args.dir.display()))?;
    Ok((corpus, annotations, labels))
}

#[allow(clippy::too_many_arguments)]
fn export(
    format: inkmark::export::Format,
    (out, force): (Option<PathBuf>, bool),
    status: Option<inkmark::annotation::Status>,
    labels: Vec<String>,
    options: inkmark::export::Options,
    predictions: bool,
    args: &CorpusArgs,
    display: &DisplayArgs,
) -> Result<()> {
    use inkmark::export::{self, Filter, Format};
    // A unit the format does not count in is an error before any work.
    format
        .offsets(options.offsets)
        .map_err(anyhow::Error::msg)?;
    let (corpus, annotations, set) = open_corpus(args, display)?;
    // Only annotated articles are exported: a missing folder (often a typo) is named
    // beside the "exported 0 articles" that follows.
    if !annotations.is_dir() {
        eprintln!(
            "inkmark: no annotation folder {}",
            sanitize_line(&annotations.display().to_string())
        );
    }
    match (&out, format) {
        // brat's folder has its own rule (only an earlier export is replaced); it must
        // not go among the annotation files either.
        (Some(out), Format::Brat) => refuse_inside_annotations(out, &annotations)?,
        (Some(out), _) => {
            let mut files = vec![out.clone()];
            if format == Format::Labelstudio {
                files.push(export::label_config_path(out));
            }
            for f in &files {
                refuse_export_over(f, &corpus.root, &annotations, force)?;
            }
        }
        (None, _) => {}
    }
    let labels = labels_in_set(&labels, &set)?;
    let bar = progress(corpus.entries.len(), "reading");
    let filter = Filter { status, labels };
    let (mut docs, skipped) = export::collect(&corpus, &annotations, &filter, || bar.inc(1));
    bar.finish_and_clear();
    for s in &skipped {
        eprintln!(
            "inkmark: skipped {}: {}",
            sanitize_line(&s.article),
            sanitize_line(&s.reason)
        );
    }
    if format == Format::Labelstudio && predictions && !docs.is_empty() {
        // The suggestions the reader would show: the corpus model's when there is one.
        let (detector, warning) = inkmark::learn::detector_for(Some(&annotations), false);
        if let Some(w) = warning {
            eprintln!("inkmark: {}", sanitize_line(&w));
        }
        let patterns = Config::resolve(Some(&args.dir), display.config.as_deref())
            .and_then(|cfg| cfg.load_patterns(&set))
            .map_err(anyhow::Error::msg)?;
        let bar = progress(docs.len(), "suggesting");
        for d in &mut docs {
            let (spans, _) = inkmark::detect::follow_labels(detector.detect(&d.text), vec![], &set);
            let mut analysis = inkmark::detect::Analysis {
                spans,
                ..Default::default()
            };
            patterns.apply(&d.text, &mut analysis);
            let detected = analysis.spans;
            let rejected = match Store::open(&inkmark::annotation::file::annotation_path(
                &annotations,
                Path::new(&d.article),
            )) {
                Ok((_, Loaded::Found(f))) => f.rejected,
                _ => Vec::new(),
            };
            let set = inkmark::annotation::Annotations::new(d.entities.clone(), rejected, d.status);
            d.suggestions = set
                .suggestions(&detected)
                .map(|(_, s)| *s)
                .filter(|s| filter.labels.is_empty() || filter.labels.contains(&s.label))
                .collect();
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    match (format, out) {
        (Format::Brat, out) => {
            let out = out.unwrap_or_else(|| Path::new("exports").join(Format::Brat.default_file()));
            let msg = export::write_labelled(format, &docs, &out, &options, &set)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("inkmark: exported {}", sanitize_line(&msg));
        }
        (_, Some(out)) => {
            let msg = export::write_labelled(format, &docs, &out, &options, &set)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("inkmark: exported {}", sanitize_line(&msg));
        }
        (_, None) => {
            if docs.is_empty() {
                // An empty stdout alone does not say whether anything matched.
                eprintln!("inkmark: exported 0 articles (no annotation file matched)");
            }
            let rendered =
                export::render_with(format, &docs, &options).map_err(anyhow::Error::msg)?;
            let rendered = if format == Format::Conll {
                // Plain text: made safe only for a terminal (a pipe gets the data as is).
                if std::io::stdout().is_terminal() {
                    sanitize_text(&rendered)
                } else {
                    rendered
                }
            } else {
                json_for_terminal(&rendered)
            };
            let mut lock = std::io::stdout().lock();
            match lock
                .write_all(rendered.as_bytes())
                .and_then(|_| lock.flush())
            {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r.context("cannot write to stdout")?,
            }
        }
    }
    Ok(())
}

/// An export file must not land on an article of the corpus or in the annotation folder
/// (a typo would replace the data it was made from), nor replace any file without
/// `--force`, as `patterns -o`.
fn refuse_export_over(out: &Path, root: &Path, annotations: &Path, force: bool) -> Result<()> {
    // Where `out` would be, resolved through symlinked folders (and a symlinked file).
    let resolved = std::fs::canonicalize(out).unwrap_or_else(|_| {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::canonicalize(parent)
            .map(|p| p.join(out.file_name().unwrap_or_default()))
            .unwrap_or_else(|_| out.to_path_buf())
    });
    refuse_inside_annotations(out, annotations)?;
    if let Ok(root_abs) = std::fs::canonicalize(root) {
        if let Ok(rel) = resolved.strip_prefix(&root_abs) {
            let skip = [annotations.to_path_buf()];
            if corpus::unlisted_reason(root, rel, &skip).is_none() {
                bail!(
                    "{}: would be an article of the corpus {}; export elsewhere",
                    out.display(),
                    root.display()
                );
            }
        }
    }
    if !force && std::fs::symlink_metadata(out).is_ok() {
        bail!("{}: already exists (--force replaces it)", out.display());
    }
    Ok(())
}

/// An export written among the annotation files would be read as one of them.
fn refuse_inside_annotations(out: &Path, annotations: &Path) -> Result<()> {
    let resolved = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    // The deepest existing ancestor, resolved (the export's folder may not exist yet).
    let existing = resolved
        .ancestors()
        .find_map(|a| std::fs::canonicalize(a).ok().map(|c| (a, c)));
    let resolved = match existing {
        Some((a, c)) => c.join(resolved.strip_prefix(a).unwrap_or(Path::new(""))),
        None => resolved,
    };
    if let Ok(ann) = std::fs::canonicalize(annotations) {
        if resolved.starts_with(&ann) {
            bail!(
                "{}: inside the annotation folder {}; export elsewhere",
                out.display(),
                annotations.display()
            );
        }
    }
    Ok(())
}

/// `import --add-labels`: appends `[[labels]]` tables to the corpus's `inkmark.toml`
/// (or the `--config` file) atomically, keeping its text, and returns the new set.
fn add_labels_to_config(
    dir: &Path,
    display: &DisplayArgs,
    set: &inkmark::label::LabelSet,
    add: &[inkmark::label::Label],
) -> Result<()> {
    let path = display
        .config
        .clone()
        .unwrap_or_else(|| dir.join("inkmark.toml"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    let own = Config::parse(&path, &text).map_err(anyhow::Error::msg)?;
    let new_text = inkmark::export::import::append_labels(&text, !own.labels.is_empty(), set, add);
    // The new file must give a valid set before it replaces the old one.
    Config::parse(&path, &new_text)
        .and_then(|c| match display.config {
            Some(_) => c.label_set(),
            None => Config::resolve(None, None)
                .map(|user| user.overlay(c))
                .and_then(|c| c.label_set()),
        })
        .map_err(anyhow::Error::msg)?;
    inkmark::annotation::store::write_atomic(&path, new_text.as_bytes(), &|_| Ok(()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let names: Vec<String> = add.iter().map(|l| l.to_string()).collect();
    eprintln!(
        "inkmark: added labels {} to {}",
        names.join(", "),
        sanitize_line(&path.display().to_string())
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn import(
    format: inkmark::export::Format,
    files: &[PathBuf],
    offsets: Option<inkmark::export::Offsets>,
    dir: &Path,
    annotations: Option<PathBuf>,
    annotator: Option<String>,
    map: &[String],
    add_labels: bool,
    display: &DisplayArgs,
) -> Result<()> {
    use inkmark::export::{self, Format};
    let unit = format.offsets(offsets).map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let args = CorpusArgs {
        dir: dir.to_path_buf(),
        annotations,
        annotator: annotator.clone(),
    };
    let (corpus, annotations, set) = open_corpus(&args, display)?;
    let map = export::import::parse_map(map, &set, add_labels).map_err(anyhow::Error::msg)?;
    let cfg = Config::resolve(Some(dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let annotator = annotator
        .or(cfg.annotator)
        .unwrap_or_else(inkmark::tui::app::default_annotator);
    let mut docs = Vec::new();
    for f in files {
        let text = read_text_file(f)?;
        let parsed = match format {
            Format::Doccano => export::doccano::parse(&text, unit),
            Format::Labelstudio => export::labelstudio::parse(&text, unit),
            Format::Spacy => export::spacy::parse(&text),
            Format::Conll => export::conll::parse(&text),
            Format::Brat => {
                let txt = f.with_extension("txt");
                let article_text = read_text_file(&txt)?;
                let name = export::brat::article_name(f);
                export::brat::parse_ann(&text, &article_text, name).map(|d| vec![d])
            }
        }
        .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        let source = f.display().to_string();
        docs.extend(parsed.into_iter().map(|d| d.from_file(&source)));
    }
    let unknown = export::import::map_labels(&mut docs, &set, &map);
    // --map targets outside the set (only accepted with --add-labels) are added too.
    let mut new_targets: Vec<inkmark::label::Label> = Vec::new();
    for (_, l) in &map {
        if !set.contains(*l) && !new_targets.contains(l) {
            new_targets.push(*l);
        }
    }
    // Labels still unknown: stop before writing anything, or add them to the set.
    if !unknown.is_empty() || !new_targets.is_empty() {
        if !add_labels {
            // Nothing is written: the user maps them or adds them.
            for (label, (n, first)) in &unknown {
                eprintln!(
                    "inkmark: label {label} is not in the label set: {} (first: {})",
                    count(*n, "span", "spans"),
                    sanitize_line(first)
                );
            }
            bail!(
                "nothing imported: {}; map them (--map {}=PER) or add them to the set (--add-labels)",
                count(unknown.len(), "unknown label", "unknown labels"),
                unknown.keys().next().map_or("X".into(), |l| l.to_string())
            );
        }
        let mut added = new_targets;
        for name in unknown.keys() {
            let l = inkmark::label::Label::new(name).map_err(|e| {
                anyhow::anyhow!("nothing imported: {e}; map it (--map {name}=LABEL)")
            })?;
            if !added.contains(&l) {
                added.push(l);
            }
        }
        add_labels_to_config(dir, display, &set, &added)?;
    }
    let mut notes = Vec::new();
    if format == Format::Conll {
        notes = export::import::align_unspaced(&mut docs, &corpus);
    }
    let bar = progress(docs.len(), "importing");
    let report = export::import::apply(&docs, &corpus, &annotations, &annotator, || bar.inc(1));
    bar.finish_and_clear();
    for n in notes.iter().chain(&report.notes) {
        eprintln!("inkmark: note: {}", sanitize_line(n));
    }
    for c in &report.created {
        eprintln!(
            "inkmark: created article {}",
            sanitize_line(&dir.join(c).display().to_string())
        );
    }
    for p in &report.problems {
        eprintln!("inkmark: {}", sanitize_line(p));
    }
    let replaced = if report.replaced > 0 {
        format!(
            "; {} replaced",
            count(report.replaced, "existing span", "existing spans")
        )
    } else {
        String::new()
    };
    eprintln!(
        "inkmark: imported {} into {} ({} in {}){replaced}",
        count(report.entities, "entity", "entities"),
        count(report.articles, "article", "articles"),
        count(report.articles, "annotation file", "annotation files"),
        sanitize_line(&annotations.display().to_string())
    );
    if !report.problems.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// A UTF-8 file to import, refused when it is not a regular file (a FIFO would hang).
fn read_text_file(path: &Path) -> Result<String> {
    let bytes =
        corpus::read_regular(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("cannot read {}: not UTF-8", path.display()))
}

fn stats(json: bool, top: usize, args: &CorpusArgs, display: &DisplayArgs) -> Result<()> {
    let (corpus, annotations, set) = open_corpus(args, display)?;
    // The corpus figures still count; the empty annotation figures must not look real.
    if !annotations.is_dir() {
        eprintln!(
            "inkmark: no annotation folder {}",
            sanitize_line(&annotations.display().to_string())
        );
    }
    if !json && std::io::stdout().is_terminal() {
        return stats_charts(corpus, annotations, set, args, display);
    }
    let bar = progress(corpus.entries.len(), "reading");
    let s = inkmark::headless::stats_with(&corpus, &annotations, &set, top, || bar.inc(1));
    bar.finish_and_clear();
    if json {
        println!("{}", json_for_terminal(&serde_json::to_string_pretty(&s)?));
    } else {
        // Entity texts and file names come from files: made safe for the terminal.
        print!("{}", sanitize_text(&s.render()));
    }
    Ok(())
}

/// `inkmark stats` on a terminal: the library's stats view, drawn once to stdout.
fn stats_charts(
    corpus: inkmark::corpus::Corpus,
    annotations: PathBuf,
    labels: inkmark::label::LabelSet,
    args: &CorpusArgs,
    display: &DisplayArgs,
) -> Result<()> {
    use inkmark::tui::stats_view;
    let cfg =
        Config::resolve(Some(&args.dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let opts = width_options(&cfg, display);
    let job = inkmark::stats::Job {
        corpus,
        peers: inkmark::team::peers::siblings(&annotations),
        annotations,
        labels: labels.labels().collect(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let d = inkmark::stats::compute(&job);
    let width = ratatui::crossterm::terminal::size().map_or(80, |(w, _)| w);
    let look = stats_view::Look {
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        ascii: opts.ambiguous_wide,
        labels,
    };
    let out = stats_view::to_ansi(&d, width, &look, opts);
    let mut lock = std::io::stdout().lock();
    match lock.write_all(out.as_bytes()).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

/// The annotators' folders `agree` and `review` compare: `--team DIR`'s subfolders (less
/// `gold`, the review's own folder) or the `--annotations` given, each checked (one line
/// per problem, exit 1), at least two.
fn annotator_folders(
    command: &str,
    team: Option<PathBuf>,
    annotations: &[PathBuf],
    gold: Option<&Path>,
) -> Result<Vec<inkmark::team::Annotator>> {
    use inkmark::team::{self, Annotator};
    let is_gold = |a: &Annotator| gold.is_some_and(|g| same_folder(&a.dir, g));
    let annotators: Vec<Annotator> = match team {
        Some(root) => {
            if !root.is_dir() {
                bail!("no folder {}", root.display());
            }
            // Gold folders are left out by team_folders; an annotator's folder given
            // as --to stays in, so that the refusal below names it.
            team::team_folders(&root).map_err(anyhow::Error::msg)?
        }
        None => annotations.iter().map(|d| Annotator::from_dir(d)).collect(),
    };
    if let (Some(a), Some(g)) = (annotators.iter().find(|a| is_gold(a)), gold) {
        bail!(
            "--to {} is {}'s folder: the review writes a gold folder of its own",
            g.display(),
            a.name
        );
    }
    let problems = team::check_folders(&annotators);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("inkmark: {}", sanitize_line(p));
        }
        std::process::exit(1);
    }
    if annotators.len() < 2 {
        bail!(
            "{command} needs two or more annotators (--annotations A --annotations B, or --team DIR with a subfolder per annotator); found {}",
            annotators.len()
        );
    }
    Ok(annotators)
}

fn agree(
    dir: &Path,
    annotations: Vec<PathBuf>,
    team: Option<PathBuf>,
    json: bool,
    by_article: bool,
    display: &DisplayArgs,
    opts: inkmark::team::AgreeOptions,
) -> Result<()> {
    use inkmark::team;
    if !dir.is_dir() {
        bail!("no folder {}", dir.display());
    }
    let cfg = Config::resolve(Some(dir), display.config.as_deref()).map_err(anyhow::Error::msg)?;
    let set = cfg.label_set().map_err(anyhow::Error::msg)?;
    let annotators = annotator_folders("agree", team, &annotations, None)?;
    // Names only: each article is read once, in parallel, by `agree`.
    let skip: Vec<PathBuf> = annotators.iter().map(|a| a.dir.clone()).collect();
    let corpus = corpus::list_skipping(dir, &skip)
        .with_context(|| format!("cannot open {}", dir.display()))?;
    let dirs: Vec<&Path> = annotators.iter().map(|a| a.dir.as_path()).collect();
    refuse_labels_outside(&corpus, &dirs, &set)?;
    let bar = progress(corpus.entries.len(), "comparing");
    let report = team::agree(&corpus, &annotators, opts, by_article, || bar.inc(1));
    bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("inkmark: {}", sanitize_line(e));
            }
            std::process::exit(1);
        }
    };
    if json {
        println!(
            "{}",
            json_for_terminal(&serde_json::to_string_pretty(&report)?)
        );
    } else {
        print!("{}", sanitize_text(&report.render()));
    }
    Ok(())
}

fn assign(dir: &Path, team: &[String], overlap: f64, root: &Path, force: bool) -> Result<()> {
    use inkmark::team::assign::{plan, PLAN_FILE};
    if !dir.is_dir() {
        bail!("no folder {}", dir.display());
    }
    let team: Vec<String> = team.iter().map(|t| t.trim().to_string()).collect();
    let corpus = corpus::list(dir).with_context(|| format!("cannot open {}", dir.display()))?;
    let articles: Vec<String> = corpus
        .entries
        .iter()
        .map(|e| e.rel.to_string_lossy().into_owned())
        .collect();
    let plan = plan(&articles, &team, overlap).map_err(anyhow::Error::msg)?;
    let path = root.join(PLAN_FILE);
    if path.exists() && !force {
        bail!(
            "{} exists: annotators may have started on it; --force replaces it",
            path.display()
        );
    }
    inkmark::annotation::store::write_atomic(&path, plan.to_json().as_bytes(), &|_| Ok(()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    for (name, list) in &plan.annotators {
        println!(
            "{:<12} {}",
            sanitize_line(name),
            count(list.len(), "article", "articles")
        );
    }
    println!(
        "{}, {} of them for two annotators; plan in {}",
        count(articles.len(), "article", "articles"),
        plan.double.len(),
        sanitize_line(&path.display().to_string())
    );
    Ok(())
}

fn relabel(
    old: &str,
    new: &str,
    args: &CorpusArgs,
    dry_run: bool,
    display: &DisplayArgs,
) -> Result<()> {
    use inkmark::label::Label;
    let old = Label::new(old).map_err(anyhow::Error::msg)?;
    let new = Label::new(new).map_err(anyhow::Error::msg)?;
    if old == new {
        bail!("OLD and NEW are both {old}: nothing to do");
    }
    // The config is checked like any command's, but NEW need not be in it yet: renaming
    // the files first and the config after is a fine order too (`check` tells).
    let (_, annotations, set) = open_corpus(args, display)?;
    if !annotations.is_dir() {
        bail!("no annotation folder {}", annotations.display());
    }
    let report = inkmark::relabel::relabel(&annotations, old, new, dry_run);
    print!("{}", sanitize_text(&report.render(old, new, dry_run)));
    if report.changed.is_empty() && report.skipped.is_empty() {
        // Most often a typo in OLD: say so instead of a silent "changed 0 spans".
        eprintln!(
            "inkmark: no annotation file in {} uses the label {old}",
            sanitize_line(&annotations.display().to_string())
        );
    }
    if !set.contains(new) && !report.changed.is_empty() {
        eprintln!("inkmark: {new} is not in the label set yet: add it to [[labels]] (inkmark check lists spans outside the set)");
    }
    if !report.skipped.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// Stops a command (exit 1, nothing written) when annotation files use labels the set
/// does not define: one line per label.
fn refuse_labels_outside(
    corpus: &inkmark::corpus::Corpus,
    dirs: &[&Path],
    set: &inkmark::label::LabelSet,
) -> Result<()> {
    let lines = inkmark::headless::labels_outside(corpus, dirs, set);
    if lines.is_empty() {
        return Ok(());
    }
    for l in &lines {
        eprintln!("inkmark: {}", sanitize_line(l));
    }
    std::process::exit(1);
}

fn check(args: &CorpusArgs, display: &DisplayArgs) -> Result<()> {
    let (corpus, annotations, set) = open_corpus(args, display)?;
    // A misspelt folder must not pass as "valid" (a pre-commit hook would pass forever).
    if !annotations.is_dir() {
        bail!("no annotation folder {}", annotations.display());
    }
    let bar = progress(corpus.entries.len(), "checking");
    let problems = inkmark::headless::check_with(&corpus, &annotations, &set, || bar.inc(1));
    bar.finish_and_clear();
    // Set-aside spans are no error (exit status unchanged) but must not go unseen.
    for note in inkmark::headless::set_aside(&corpus, &annotations) {
        println!("note: {}", sanitize_line(&note));
    }
    if problems.is_empty() {
        println!(
            "ok: {}, annotation files in {} are valid",
            count(corpus.entries.len(), "article", "articles"),
            sanitize_line(&annotations.display().to_string())
        );
        return Ok(());
    }
    for p in &problems {
        println!("{}", sanitize_line(p));
    }
    eprintln!("inkmark: {}", count(problems.len(), "problem", "problems"));
    std::process::exit(1);
}

/// Version `k` of the kill test's annotation file: `k % 50` entities, annotator "k{k}".
pub fn save_loop_version(k: u64) -> inkmark::annotation::AnnotationFile {
    use inkmark::annotation::{AnnotationFile, Entity, Source};
    let mut f = AnnotationFile::new("a.txt", &"0".repeat(64), &format!("k{k}"));
    f.entities = (0..(k % 50) as usize)
        .map(|i| Entity {
            start: 2 * i,
            end: 2 * i + 1,
            label: inkmark::label::Label::PER,
            text: "x".into(),
            source: Source::Manual,
            by: Vec::new(),
        })
        .collect();
    f
}

fn save_loop(file: &Path, tag: &str) -> Result<()> {
    let (mut store, _) = Store::open(file)?;
    let mut out = std::io::stdout();
    for k in 0.. {
        let mut version = save_loop_version(k);
        version.article = tag.to_string();
        store.save(&version).map_err(|e| anyhow::anyhow!("{e}"))?;
        // Each version is announced once its save returned: the power-cut test holds
        // the file system to it.
        let _ = writeln!(out, "{k}").and_then(|_| out.flush());
    }
    Ok(())
}

/// One writer of the two-writer test: what an instance does when the user labels a word
/// and presses Ctrl-s, with the save at a given instant.
fn add_span(file: &Path, start: usize, at_ms: u64) -> Result<()> {
    use inkmark::annotation::{Entity, Source};
    let (mut store, loaded) = Store::open(file)?;
    let mut f = match loaded {
        Loaded::Found(f) => f,
        _ => inkmark::annotation::AnnotationFile::new("a.txt", &"0".repeat(64), "w"),
    };
    f.entities.push(Entity {
        start,
        end: start + 1,
        label: inkmark::label::Label::PER,
        text: "x".into(),
        source: Source::Manual,
        by: Vec::new(),
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    std::thread::sleep(std::time::Duration::from_millis(at_ms.saturating_sub(now)));
    store.save(&f).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
