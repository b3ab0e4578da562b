//! Candidate spans from jieba tags and rules for news text. Candidates may overlap;
//! [`super::resolve_overlaps`] picks among them.

use super::lexicon::*;
use super::numbers;
use super::{Pos, Token};
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
fn looks_like_name(t: &Token) -> bool {
    let w = t.word;
    if t.is(flag::WEATHER | flag::NOT_NAME | flag::CURRENCY | flag::PLACE | flag::ORG) {
        return false;
    }
    if matches!(
        last(w),
        '镇' | '乡'
            | '村'
            | '县'
            | '市'
            | '省'
            | '区'
            | '宫'
            | '顶'
            | '山'
            | '河'
            | '湖'
            | '岛'
            | '州'
            | '籍'
            | '卡'
            | '伞'
            | '球'
    ) {
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
    ORG_SUFFIX_LAST.contains(&last(w)) && ORG_SUFFIXES.iter().any(|s| w.ends_with(s))
}

fn is_event(w: &str) -> bool {
    matches!(last(w), '会' | '议') && EVENT_ENDINGS.iter().any(|e| w.ends_with(e))
}

fn is_org_head(t: &Token) -> bool {
    if t.pos == Pos::Nt || t.is(flag::ORG) {
        return true;
    }
    if !ORG_SUFFIX_LAST.contains(&t.last) || t.is(flag::NOT_ORG_HEAD) || is_event(t.word) {
        return false;
    }
    if matches!(
        t.pos,
        Pos::P
            | Pos::C
            | Pos::D
            | Pos::R
            | Pos::Uj
            | Pos::Ul
            | Pos::X
            | Pos::M
            | Pos::Q
            | Pos::F
            | Pos::Ad
            | Pos::A
    ) {
        return false;
    }
    t.end - t.start >= 2 && ends_org(t.word)
}

fn is_proper(t: &Token) -> bool {
    matches!(
        t.pos,
        Pos::Ns | Pos::Nt | Pos::Nz | Pos::J | Pos::Nrt | Pos::Eng
    ) || t.is(flag::PLACE | flag::ORG)
        || is_place_like(t)
}

/// 高新区, 马村区: a name with an administrative ending, however jieba tagged it.
fn is_place_like(t: &Token) -> bool {
    matches!(t.last, '省' | '市' | '县' | '区' | '镇' | '乡' | '村')
        && t.end - t.start >= 2
        && !t.is(flag::NOT_PLACE)
}

fn is_ordinal(t: &Token) -> bool {
    t.pos == Pos::M && t.word.starts_with('第')
}

/// Organisations: a head (…委员会, …公司, a jieba `nt`) with the names before it
/// (平煤神马集团, 高新区纪委监委监察工作办公室), and organisations inside titles (外交部长).
fn organisations(tokens: &[Token], is_word: &dyn Fn(&str) -> bool, out: &mut Vec<Span>) {
    let heads: Vec<bool> = tokens.iter().map(is_org_head).collect();
    let modifier = |i: usize| {
        let t = &tokens[i];
        heads[i]
            || t.is(flag::ORG_MODIFIER)
            || matches!(
                t.pos,
                Pos::Ns | Pos::Nt | Pos::Nz | Pos::J | Pos::Eng | Pos::Nrt
            )
            || is_place_like(t)
            || is_ordinal(t)
    };
    // A noun jieba's HMM made up (平煤) is a name as good as a tagged one.
    let proper = |t: &Token| {
        is_proper(t)
            || (matches!(t.pos, Pos::N | Pos::Nz) && t.end - t.start >= 2 && !is_word(t.word))
    };
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let t = &tokens[i];
        org_in_title(t, out);
        if !heads[i] {
            i += 1;
            continue;
        }
        // Following heads continue the name: 科学技术部 农村科技司, 郑州 分局.
        let mut k = i;
        while k + 1 < n
            && ((heads[k + 1] && tokens[k + 1].pos != Pos::Nt)
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
            let generic_noun = matches!(m.pos, Pos::N | Pos::Vn | Pos::Nz) && m.end - m.start <= 3;
            if (modifier(j - 1) || generic_noun) && t.end - m.start <= 14 {
                j -= 1;
            } else {
                break;
            }
        }
        // The name starts at a proper name or a known modifier, not a generic noun.
        while j < i
            && !(proper(&tokens[j]) || tokens[j].is(flag::ORG_MODIFIER) || is_ordinal(&tokens[j]))
        {
            j += 1;
        }
        let chain = &tokens[j..=k];
        let before_last = &chain[..chain.len() - 1];
        let w = t.word;
        let mut anchored = (chain.len() == 1 && t.is(flag::ORG))
            || before_last.iter().any(proper)
            || (t.pos == Pos::Nt && !w.starts_with("国际"))
            || before_last.iter().any(|x| x.is(flag::ORG_MODIFIER));
        if abbreviation_pair(w) || t.is(flag::NOT_ORG_HEAD) {
            anchored = false;
        }
        // 印度政府, 中国政府: news corpora mark the country, not an organisation.
        if w.ends_with("政府") && before_last.iter().all(|x| x.pos == Pos::Ns) {
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
    // Every title ends in one of these: most tokens stop here.
    if !matches!(last(w), '长' | '记' | '任' | '席') || t.end - t.start < 3 {
        return;
    }
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
    let mut cs = w.chars();
    let (Some(a), Some(b)) = (cs.next(), cs.next()) else {
        return false;
    };
    if !COUNTRY_ABBR.contains(&a) || !COUNTRY_ABBR.contains(&b) {
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
        if t.is(flag::IDEOLOGY) {
            if let Some(&(_, k)) = IDEOLOGY.iter().find(|(word, _)| *word == w) {
                out.push(Span::new(s, s + k, Label::PER));
                continue;
            }
        }
        if t.is(flag::TIME) {
            out.push(Span::new(s, e, Label::TIME));
            continue;
        }
        if t.is(flag::PLACE) {
            out.push(Span::new(s, e, Label::LOC));
            continue;
        }
        if t.is(flag::ORG) {
            out.push(Span::new(s, e, Label::ORG));
            continue;
        }
        if matches!(
            t.pos,
            Pos::Ns | Pos::J | Pos::Nt | Pos::N | Pos::Nz | Pos::Nr
        ) && abbreviation_pair(w)
        {
            out.push(Span::new(s, s + 1, Label::LOC));
            out.push(Span::new(s + 1, s + 2, Label::LOC));
            continue;
        }
        if n == 2 {
            let (a, b) = (t.first, nth(w, 1));
            let abbr_first = COUNTRY_ABBR.contains(&a) && ABBR_SUFFIX_CHARS.contains(&b);
            let abbr_second =
                !abbr_first && COUNTRY_ABBR.contains(&b) && ABBR_PREFIX_CHARS.contains(&a);
            if (abbr_first || abbr_second) && !ABBR_NOT_PLACES.contains(w) {
                let at = if abbr_first { s } else { s + 1 };
                out.push(Span::new(at, at + 1, Label::LOC));
                continue;
            }
        }
        if n == 1
            && COUNTRY_ABBR.contains(&t.first)
            && i > 0
            && ABBR_PREFIX_WORDS.contains(&tokens[i - 1].word)
        {
            out.push(Span::new(s, e, Label::LOC));
            continue;
        }
        let name_tag = matches!(t.pos, Pos::Nr | Pos::Nrfg | Pos::Nrt);
        // Names jieba's HMM found but its dictionary does not know (辛业江/nz).
        let new_name = matches!(t.pos, Pos::Nz | Pos::N)
            && n == 3
            && SURNAMES.contains(&t.first)
            && !"性化率度者型式类员界业区村镇县市".contains(t.last)
            && !is_word(w);
        if name_tag || new_name {
            if SURNAMES.contains(&t.first)
                && HONORIFICS
                    .iter()
                    .any(|h| w.ends_with(h) && n == clen(h) + 1)
            {
                out.push(Span::new(s, s + 1, Label::PER));
            } else if looks_like_name(t) {
                out.push(Span::new(s, e, Label::PER));
            } else if "镇乡村县市省区岛州".contains(t.last) {
                out.push(Span::new(s, e, Label::LOC));
            }
            continue;
        }
        match t.pos {
            // A lone character or a verb + place ending (上岗, 入村) is no place.
            Pos::Ns if n == 1 || (n == 2 && "上下入进出包驻回去来到扎".contains(t.first)) =>
                {}
            Pos::Ns if !t.is(flag::NOT_PLACE) => {
                let strip = PLACE_TAIL_STRIP
                    .iter()
                    .find(|tail| w.ends_with(*tail) && n > clen(tail) + 1)
                    .map_or(0, |tail| clen(tail));
                out.push(Span::new(s, e - strip, Label::LOC));
            }
            Pos::Nt if w.ends_with("政府") && n > 2 => out.push(Span::new(s, e - 2, Label::LOC)),
            Pos::Nt if !abbreviation_pair(w) && !t.is(flag::NOT_ORG_HEAD) => {
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
        // Cheap tests first: this runs for every pair of tokens.
        if b.end - b.start > 3 || !is_place_suffix_end(b.last) {
            continue;
        }
        let named = matches!(a.pos, Pos::Ns | Pos::Nz | Pos::J) || a.is(flag::PLACE);
        if named && !a.is(flag::NOT_PLACE) && PLACE_SUFFIXES.contains(&b.word) {
            out.push(Span::new(a.start, b.end, Label::LOC));
        }
    }
}

fn is_place_suffix_end(c: char) -> bool {
    matches!(
        c,
        '道' | '区'
            | '院'
            | '县'
            | '省'
            | '市'
            | '镇'
            | '乡'
            | '村'
            | '路'
            | '街'
            | '州'
            | '岛'
            | '江'
            | '河'
            | '湖'
            | '山'
            | '港'
    )
}

/// Transliterated names joined by a middle dot: 卡洛斯·阿马特.
fn dotted_names(tokens: &[Token], out: &mut Vec<Span>) {
    let n = tokens.len();
    for i in 1..n.saturating_sub(1) {
        if !matches!(tokens[i].first, '·' | '・' | '•') || tokens[i].end - tokens[i].start != 1
        {
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

/// Parts of speech a word after a title never has when it is (part of) a name: verbs,
/// particles, prepositions, conjunctions, numbers, adverbs, pronouns, directions.
fn cannot_be_a_name(pos: Pos) -> bool {
    matches!(
        pos,
        Pos::V | Pos::Uj | Pos::P | Pos::C | Pos::X | Pos::M | Pos::Ul | Pos::D | Pos::R | Pos::F
    )
}

/// Names after titles: 记者高轶鹏, 书记 凌 兵奎.
fn names_after_titles(tokens: &[Token], out: &mut Vec<Span>) {
    let n = tokens.len();
    for i in 0..n.saturating_sub(1) {
        if !tokens[i].is(flag::TITLE) {
            continue;
        }
        // Skip a space between the title and the name (记者 李一).
        let mut k = i + 1;
        if tokens[k].word.trim().is_empty() && k + 1 < n {
            k += 1;
        }
        let next = &tokens[k];
        let blocked = cannot_be_a_name;
        if SURNAMES.contains(&next.first)
            && (2..=3).contains(&clen(next.word))
            && !blocked(next.pos)
            && !next.is(flag::NOT_NAME)
        {
            out.push(Span::new(next.start, next.end, Label::PER));
        } else if clen(next.word) == 1 && SURNAMES.contains(&next.first) && k + 1 < n {
            let given = &tokens[k + 1];
            if (1..=2).contains(&clen(given.word)) && !blocked(given.pos) {
                out.push(Span::new(next.start, given.end, Label::PER));
            }
        }
    }
}

/// Names jieba cut in two after a compound title: 县委书记 毛 文明. Not among the
/// [`candidates`] (the tagger's features, which the shipped model was trained with): the
/// detector applies these after the tagger, where it found only the surname or nothing.
pub fn names_after_compound_titles(tokens: &[Token]) -> Vec<Span> {
    let mut out = Vec::new();
    for w in tokens.windows(3) {
        let [title, surname, given] = w else {
            continue;
        };
        if title.is(flag::TITLE) || !ends_with_title(title.word) {
            continue;
        }
        if clen(surname.word) == 1
            && SURNAMES.contains(&surname.first)
            && (1..=2).contains(&clen(given.word))
            && !given.is(flag::TITLE)
            && !cannot_be_a_name(given.pos)
        {
            out.push(Span::new(surname.start, given.end, Label::PER));
        }
    }
    out
}

/// A word that ends in a title of two or more characters: jieba reads 县委书记 and
/// 党组书记 as one word.
fn ends_with_title(word: &str) -> bool {
    let starts: Vec<usize> = word.char_indices().map(|(b, _)| b).collect();
    starts.len() > 2
        && starts[1..starts.len() - 1]
            .iter()
            .any(|&b| crate::detect::lexicon::TITLES.contains(&word[b..]))
}

/// 老于, 小王: the surname alone is the name.
fn familiar_names(tokens: &[Token], out: &mut Vec<Span>) {
    for (i, t) in tokens.iter().enumerate() {
        let w = t.word;
        if i + 1 < tokens.len() && matches!(w, "老" | "小") {
            let next = &tokens[i + 1];
            if next.end - next.start == 1 && SURNAMES.contains(&next.first) {
                out.push(Span::new(next.start, next.end, Label::PER));
            }
        }
        if t.end - t.start == 2
            && matches!(t.first, '老' | '小')
            && SURNAMES.contains(&nth(w, 1))
            && matches!(t.pos, Pos::Nr | Pos::N | Pos::A)
            && !t.is(flag::NOT_NAME)
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
    numbers::scan_from(chars, tokens.iter().map(|t| t.start), &mut out);
    out
}
