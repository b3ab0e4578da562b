//! Candidate spans from jieba tags and rules for news text. Candidates may overlap;
//! [`super::resolve_overlaps`] picks among them.

use super::lexicon::*;
use super::numbers;
use super::Token;
use crate::label::{Label, Span};

/// The baseline mapping of jieba part-of-speech tags to labels.
pub fn label_of_tag(tag: &str) -> Option<Label> {
    match tag {
        "nr" | "nrfg" | "nrt" => Some(Label::PER),
        "ns" => Some(Label::LOC),
        "nt" => Some(Label::ORG),
        _ => None,
    }
}

fn clen(w: &str) -> usize {
    w.chars().count()
}

fn first(w: &str) -> char {
    w.chars().next().unwrap_or(' ')
}

fn last(w: &str) -> char {
    w.chars().next_back().unwrap_or(' ')
}

fn nth(w: &str, k: usize) -> char {
    w.chars().nth(k).unwrap_or(' ')
}

/// At least two thirds of the characters are typical of transliterated names.
fn translit(w: &str) -> bool {
    let n = clen(w);
    let t = w.chars().filter(|c| TRANSLIT.contains(c)).count();
    n >= 2 && t * 3 >= n * 2
}

/// Whether a token jieba tags as a name looks like one.
fn looks_like_name(w: &str) -> bool {
    if WEATHER.contains(w) || NOT_NAMES.contains(w) || CURRENCIES.contains(w) {
        return false;
    }
    if PLACES.contains(w) || ORGANISATIONS.contains(w) {
        return false;
    }
    if "镇乡村县市省区宫顶山河湖岛州籍卡伞球".contains(last(w)) {
        return false;
    }
    let n = clen(w);
    let two: String = w.chars().take(2).collect();
    if COMPOUND_SURNAMES.contains(two.as_str()) && (3..=4).contains(&n) {
        return true;
    }
    if SURNAMES.contains(&first(w)) && (2..=3).contains(&n) {
        return true;
    }
    translit(w)
}

fn ends_org(w: &str) -> bool {
    ORG_SUFFIXES.iter().any(|s| w.ends_with(s))
}

fn is_org_head(t: &Token) -> bool {
    if t.tag == "nt" || ORGANISATIONS.contains(t.word) {
        return true;
    }
    if NOT_ORG_HEADS.contains(t.word) || EVENT_ENDINGS.iter().any(|e| t.word.ends_with(e)) {
        return false;
    }
    if matches!(
        t.tag,
        "p" | "c" | "d" | "r" | "uj" | "ul" | "x" | "m" | "q" | "f" | "ad" | "a"
    ) {
        return false;
    }
    ends_org(t.word) && clen(t.word) >= 2
}

fn is_proper(t: &Token) -> bool {
    matches!(t.tag, "ns" | "nt" | "nz" | "j" | "nrt" | "eng")
        || PLACES.contains(t.word)
        || ORGANISATIONS.contains(t.word)
        || is_place_like(t.word)
}

/// 高新区, 马村区: a name with an administrative ending, however jieba tagged it.
fn is_place_like(w: &str) -> bool {
    clen(w) >= 2 && "省市县区镇乡村".contains(last(w)) && !NOT_PLACES.contains(w)
}

fn is_ordinal(t: &Token) -> bool {
    t.tag == "m" && t.word.starts_with('第')
}

fn is_org_modifier(t: &Token) -> bool {
    ORG_MODIFIERS.contains(t.word)
        || matches!(t.tag, "ns" | "nt" | "nz" | "j" | "eng" | "nrt")
        || is_place_like(t.word)
        || is_org_head(t)
        || is_ordinal(t)
}

/// Organisations: a head (…委员会, …公司, a jieba `nt`) with the names before it
/// (平煤神马集团, 高新区纪委监委监察工作办公室), and organisations inside titles (外交部长).
fn organisations(tokens: &[Token], is_word: &dyn Fn(&str) -> bool, out: &mut Vec<Span>) {
    // A noun jieba's HMM made up (平煤) is a name as good as a tagged one.
    let proper = |t: &Token| {
        is_proper(t) || (matches!(t.tag, "n" | "nz") && clen(t.word) >= 2 && !is_word(t.word))
    };
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let t = &tokens[i];
        org_in_title(t, out);
        if !is_org_head(t) {
            i += 1;
            continue;
        }
        // Following heads continue the name: 科学技术部 农村科技司, 郑州 分局.
        let mut k = i;
        while k + 1 < n
            && ((is_org_head(&tokens[k + 1]) && tokens[k + 1].tag != "nt")
                || matches!(
                    tokens[k + 1].word,
                    "分局" | "分厂" | "分公司" | "支行" | "分行"
                ))
        {
            k += 1;
        }
        // Modifiers before the head, at most 14 characters back.
        let mut j = i;
        while j > 0 {
            let m = &tokens[j - 1];
            let generic_noun = matches!(m.tag, "n" | "vn" | "nz") && clen(m.word) <= 3;
            if (is_org_modifier(m) || generic_noun) && t.end - m.start <= 14 {
                j -= 1;
            } else {
                break;
            }
        }
        // The name starts at a proper name or a known modifier, not a generic noun.
        while j < i
            && !(proper(&tokens[j])
                || ORG_MODIFIERS.contains(tokens[j].word)
                || is_ordinal(&tokens[j]))
        {
            j += 1;
        }
        let chain = &tokens[j..=k];
        let before_last = &chain[..chain.len() - 1];
        let w = t.word;
        let mut anchored = (chain.len() == 1 && ORGANISATIONS.contains(w))
            || before_last.iter().any(proper)
            || (t.tag == "nt" && !w.starts_with("国际"))
            || before_last.iter().any(|x| ORG_MODIFIERS.contains(x.word));
        if abbreviation_pair(w) || NOT_ORG_HEADS.contains(w) {
            anchored = false;
        }
        // 印度政府, 中国政府: news corpora mark the country, not an organisation.
        if w.ends_with("政府") && before_last.iter().all(|x| x.tag == "ns") {
            if clen(w) > 2 {
                out.push(Span::new(t.start, t.end - 2, Label::LOC));
            }
            anchored = false;
        }
        if anchored && !(chain.len() == 1 && clen(w) == 1) {
            out.push(Span::new(
                chain[0].start,
                chain[chain.len() - 1].end,
                Label::ORG,
            ));
        }
        i = k + 1;
    }
}

/// 外交部长 -> 外交部; 县委书记 -> 县委.
fn org_in_title(t: &Token, out: &mut Vec<Span>) {
    const HEAD_TITLES: &[&str] = &[
        "部长", "局长", "厅长", "院长", "校长", "社长", "会长", "署长", "行长", "团长", "队长",
    ];
    const PLAIN_TITLES: &[&str] = &["书记", "主任", "主席", "副书记", "副主任"];
    let w = t.word;
    for title in HEAD_TITLES {
        if let Some(org) = w.strip_suffix(title) {
            let org_full = format!("{org}{}", first(title));
            if clen(org) >= 1 && clen(&org_full) >= 3 && ends_org(&org_full) {
                out.push(Span::new(t.start, t.end - 1, Label::ORG));
                return;
            }
        }
    }
    for title in PLAIN_TITLES {
        if let Some(org) = w.strip_suffix(title) {
            if clen(org) >= 2 && ends_org(org) && !NOT_ORG_HEADS.contains(org) {
                out.push(Span::new(t.start, t.start + clen(org), Label::ORG));
                return;
            }
        }
    }
}

/// 中美, 印巴, 中美关系: two country abbreviations side by side.
fn abbreviation_pair(w: &str) -> bool {
    if clen(w) < 2 || !COUNTRY_ABBR.contains(&first(w)) || !COUNTRY_ABBR.contains(&nth(w, 1)) {
        return false;
    }
    let pair: String = w.chars().take(2).collect();
    let tail: String = w.chars().skip(2).collect();
    !ABBR_NOT_PLACES.contains(pair.as_str()) && ABBR_PAIR_TAILS.contains(&tail.as_str())
}

/// Words before a lone abbreviation that make it a place (访问 华).
const ABBR_PREFIX_WORDS: &[&str] = &[
    "访问", "来", "驻", "在", "对", "反", "赴", "旅", "抵", "离", "进", "援", "抵达", "访",
];

/// Places, people and organisations from single tokens.
fn token_entities(tokens: &[Token], is_word: &dyn Fn(&str) -> bool, out: &mut Vec<Span>) {
    for (i, t) in tokens.iter().enumerate() {
        let (w, s, e) = (t.word, t.start, t.end);
        let n = e - s;
        if let Some(&(_, k)) = IDEOLOGY.iter().find(|(word, _)| *word == w) {
            out.push(Span::new(s, s + k, Label::PER));
            continue;
        }
        if TIME_WORDS.contains(w) {
            out.push(Span::new(s, e, Label::TIME));
            continue;
        }
        if PLACES.contains(w) {
            out.push(Span::new(s, e, Label::LOC));
            continue;
        }
        if ORGANISATIONS.contains(w) {
            out.push(Span::new(s, e, Label::ORG));
            continue;
        }
        if abbreviation_pair(w) && matches!(t.tag, "ns" | "j" | "nt" | "n" | "nz" | "nr") {
            out.push(Span::new(s, s + 1, Label::LOC));
            out.push(Span::new(s + 1, s + 2, Label::LOC));
            continue;
        }
        if n == 2 && !ABBR_NOT_PLACES.contains(w) {
            let (a, b) = (first(w), nth(w, 1));
            if COUNTRY_ABBR.contains(&a) && ABBR_SUFFIX_CHARS.contains(&b) {
                out.push(Span::new(s, s + 1, Label::LOC));
                continue;
            }
            if COUNTRY_ABBR.contains(&b) && ABBR_PREFIX_CHARS.contains(&a) {
                out.push(Span::new(s + 1, s + 2, Label::LOC));
                continue;
            }
        }
        if n == 1
            && COUNTRY_ABBR.contains(&first(w))
            && i > 0
            && ABBR_PREFIX_WORDS.contains(&tokens[i - 1].word)
        {
            out.push(Span::new(s, e, Label::LOC));
            continue;
        }
        let name_tag = matches!(t.tag, "nr" | "nrfg" | "nrt");
        // Names jieba's HMM found but its dictionary does not know (辛业江/nz).
        let new_name = matches!(t.tag, "nz" | "n")
            && n == 3
            && SURNAMES.contains(&first(w))
            && !"性化率度者型式类员界业区村镇县市".contains(last(w))
            && !is_word(w);
        if name_tag || new_name {
            if SURNAMES.contains(&first(w))
                && HONORIFICS
                    .iter()
                    .any(|h| w.ends_with(h) && n == clen(h) + 1)
            {
                out.push(Span::new(s, s + 1, Label::PER));
            } else if looks_like_name(w) {
                out.push(Span::new(s, e, Label::PER));
            } else if "镇乡村县市省区岛州".contains(last(w)) {
                out.push(Span::new(s, e, Label::LOC));
            }
            continue;
        }
        match t.tag {
            // A lone character or a verb + place ending (上岗, 入村) is no place.
            "ns" if n == 1 || (n == 2 && "上下入进出包驻回去来到扎".contains(first(w))) =>
                {}
            "ns" if !NOT_PLACES.contains(w) => {
                let strip = PLACE_TAIL_STRIP
                    .iter()
                    .find(|tail| w.ends_with(*tail) && n > clen(tail) + 1)
                    .map_or(0, |tail| clen(tail));
                out.push(Span::new(s, e - strip, Label::LOC));
            }
            "nt" if w.ends_with("政府") && n > 2 => out.push(Span::new(s, e - 2, Label::LOC)),
            "nt" if !abbreviation_pair(w) && !NOT_ORG_HEADS.contains(w) => {
                out.push(Span::new(s, e, Label::ORG))
            }
            _ => {}
        }
    }
}

/// 高阳 小区, 马村 区: a name followed by a place ending is one place.
fn places_with_suffix(tokens: &[Token], out: &mut Vec<Span>) {
    for pair in tokens.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let named = matches!(a.tag, "ns" | "nz" | "j") || PLACES.contains(a.word);
        if named && !NOT_PLACES.contains(a.word) && PLACE_SUFFIXES.contains(&b.word) {
            out.push(Span::new(a.start, b.end, Label::LOC));
        }
    }
}

/// Transliterated names joined by a middle dot: 卡洛斯·阿马特.
fn dotted_names(tokens: &[Token], out: &mut Vec<Span>) {
    let n = tokens.len();
    for i in 1..n.saturating_sub(1) {
        if !matches!(tokens[i].word, "·" | "・" | "•") {
            continue;
        }
        let (a, b) = (&tokens[i - 1], &tokens[i + 1]);
        let a_ok = a
            .word
            .chars()
            .all(|c| TRANSLIT.contains(&c) || SURNAMES.contains(&c));
        if a_ok && b.word.chars().take(2).all(|c| TRANSLIT.contains(&c)) {
            let mut j = i + 1;
            let mut end = b.end;
            while j + 2 < n && matches!(tokens[j + 1].word, "·" | "・" | "•") {
                j += 2;
                end = tokens[j].end;
            }
            out.push(Span::new(a.start, end, Label::PER));
        }
    }
}

/// Names after titles: 记者高轶鹏, 书记 凌 兵奎.
fn names_after_titles(tokens: &[Token], out: &mut Vec<Span>) {
    let n = tokens.len();
    for i in 0..n.saturating_sub(1) {
        if !TITLES.contains(tokens[i].word) {
            continue;
        }
        // Skip a space between the title and the name (记者 李一).
        let mut k = i + 1;
        if tokens[k].word.trim().is_empty() && k + 1 < n {
            k += 1;
        }
        let next = &tokens[k];
        let blocked = |tag: &str| {
            matches!(
                tag,
                "v" | "uj" | "p" | "c" | "x" | "m" | "ul" | "d" | "r" | "f"
            )
        };
        if SURNAMES.contains(&first(next.word))
            && (2..=3).contains(&clen(next.word))
            && !blocked(next.tag)
            && !NOT_NAMES.contains(next.word)
        {
            out.push(Span::new(next.start, next.end, Label::PER));
        } else if clen(next.word) == 1 && SURNAMES.contains(&first(next.word)) && k + 1 < n {
            let given = &tokens[k + 1];
            if (1..=2).contains(&clen(given.word)) && !blocked(given.tag) {
                out.push(Span::new(next.start, given.end, Label::PER));
            }
        }
    }
}

/// 老于, 小王: the surname alone is the name.
fn familiar_names(tokens: &[Token], out: &mut Vec<Span>) {
    for (i, t) in tokens.iter().enumerate() {
        let w = t.word;
        if i + 1 < tokens.len() && matches!(w, "老" | "小") {
            let next = &tokens[i + 1];
            if clen(next.word) == 1 && SURNAMES.contains(&first(next.word)) {
                out.push(Span::new(next.start, next.end, Label::PER));
            }
        }
        if clen(w) == 2
            && "老小".contains(first(w))
            && SURNAMES.contains(&nth(w, 1))
            && matches!(t.tag, "nr" | "n" | "a")
            && !NOT_NAMES.contains(w)
        {
            out.push(Span::new(t.start + 1, t.end, Label::PER));
        }
    }
}

/// Transliterated names that jieba cut short grow over neighbouring transliteration
/// characters and middle dots: 莉萨·科斯马斯.
fn grow_transliterations(chars: &[char], spans: &mut [Span]) {
    let is_dot = |c: char| matches!(c, '·' | '•' | '・');
    for s in spans.iter_mut().filter(|s| s.label == Label::PER) {
        let text: String = chars[s.start..s.end].iter().collect();
        if !translit(&text) || SURNAMES.contains(&chars[s.start]) {
            continue;
        }
        let (mut a, mut b) = (s.start, s.end);
        while a > 0 && (TRANSLIT.contains(&chars[a - 1]) || is_dot(chars[a - 1])) {
            a -= 1;
        }
        while b < chars.len()
            && (TRANSLIT.contains(&chars[b])
                || (is_dot(chars[b]) && chars.get(b + 1).is_some_and(|c| TRANSLIT.contains(c))))
        {
            b += 1;
        }
        while a < b && is_dot(chars[a]) {
            a += 1;
        }
        s.start = a;
        s.end = b;
    }
}

/// 李明任 (李明 + 任 "serves as"): jieba glued a one-character verb to a two-character
/// name.
fn unglue_verbs(chars: &[char], spans: &mut [Span]) {
    for s in spans
        .iter_mut()
        .filter(|s| s.label == Label::PER && s.len() == 3)
    {
        if SURNAMES.contains(&chars[s.start])
            && "任说讲称等和与及在是为将向到".contains(chars[s.end - 1])
        {
            s.end -= 1;
        }
    }
}

/// All candidate spans of one paragraph.
pub fn candidates(tokens: &[Token], chars: &[char], is_word: &dyn Fn(&str) -> bool) -> Vec<Span> {
    let mut out = Vec::new();
    organisations(tokens, is_word, &mut out);
    token_entities(tokens, is_word, &mut out);
    places_with_suffix(tokens, &mut out);
    dotted_names(tokens, &mut out);
    names_after_titles(tokens, &mut out);
    familiar_names(tokens, &mut out);
    grow_transliterations(chars, &mut out);
    unglue_verbs(chars, &mut out);
    numbers::scan(chars, &mut out);
    out
}
