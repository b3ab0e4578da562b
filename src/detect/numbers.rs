//! Dates, times and quantities, found by scanning characters (jieba often cuts them
//! apart: 1月/30日/11时): 2020年1月24日, 1月30日11时30分许, 大年初二, 4836户, 近10万元,
//! 两万步, 45000余元, 95%.

use crate::label::{Label, Span};

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_cn_digit(c: char) -> bool {
    matches!(
        c,
        '〇' | '零' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '两'
    )
}

fn is_cn_magnitude(c: char) -> bool {
    matches!(c, '百' | '千' | '万' | '亿')
}

fn is_num_char(c: char) -> bool {
    is_digit(c) || is_cn_digit(c) || is_cn_magnitude(c)
}

/// Units after a number that make it a quantity; longer first.
const UNITS: &[&str] = &[
    "平方公里",
    "平方米",
    "立方米",
    "万元",
    "亿元",
    "千元",
    "美元",
    "欧元",
    "日元",
    "港元",
    "公里",
    "千米",
    "厘米",
    "毫米",
    "公斤",
    "千克",
    "公顷",
    "人次",
    "小时",
    "分钟",
    "个月",
    "余人",
    "多人",
    "元",
    "块",
    "户",
    "人",
    "名",
    "位",
    "家",
    "只",
    "头",
    "匹",
    "台",
    "辆",
    "架",
    "艘",
    "吨",
    "斤",
    "克",
    "米",
    "亩",
    "岁",
    "步",
    "张",
    "份",
    "件",
    "套",
    "座",
    "间",
    "栋",
    "幢",
    "条",
    "支",
    "批",
    "箱",
    "袋",
    "瓶",
    "包",
    "盒",
    "双",
    "例",
    "起",
    "项",
    "篇",
    "本",
    "场",
    "轮",
    "%",
    "％",
    "倍",
    "度",
    "℃",
    "个",
    "次",
    "处",
    "所",
    "天",
    "年",
    "周",
    "株",
    "棵",
    "车",
    "趟",
    "班",
    "组",
    "桶",
    "罐",
    "枚",
    "副",
    "顶",
    "床",
    "片",
    "卷",
    "册",
    "期",
    "届",
    "点",
];

/// Classifiers too common after a lone Chinese numeral to mark a quantity (一个, 一次).
const WEAK_UNITS: &[&str] = &[
    "个", "次", "项", "场", "批", "件", "位", "名", "条", "张", "天", "年", "点", "处", "所", "起",
    "份", "周", "期", "届", "组", "片", "步", "家", "支", "本", "双", "头", "车", "度", "班", "套",
    "座", "间", "副", "顶", "床", "卷", "册",
];

/// Words before a number that belong to the quantity (近10万元, 约200人).
const APPROX_PREFIX: &str = "近约逾超共达";

fn starts_with_at(chars: &[char], at: usize, s: &str) -> bool {
    (at..).zip(s.chars()).all(|(k, c)| chars.get(k) == Some(&c))
}

fn unit_at(chars: &[char], at: usize) -> Option<&'static str> {
    UNITS.iter().copied().find(|u| starts_with_at(chars, at, u))
}

/// End of the number starting at `at` (digits, Chinese numerals, 1,234.5).
fn number_end(chars: &[char], at: usize) -> usize {
    let mut j = at;
    while j < chars.len() {
        let c = chars[j];
        let sep = matches!(c, '.' | ',' | '．' | '，')
            && j > at
            && is_digit(chars[j - 1])
            && chars.get(j + 1).is_some_and(|&d| is_digit(d));
        if is_num_char(c) || sep {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// Value of a short Arabic number (for month/day checks); `None` for Chinese numerals.
fn arabic_value(chars: &[char]) -> Option<u32> {
    let mut v: u32 = 0;
    for &c in chars {
        let d = c
            .to_digit(10)
            .or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32))?;
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(v)
}

fn is_day_part(chars: &[char], at: usize) -> usize {
    for w in [
        "上午", "下午", "中午", "晚上", "凌晨", "早上", "傍晚", "夜间", "深夜", "早", "晚",
    ] {
        if starts_with_at(chars, at, w) {
            return w.chars().count();
        }
    }
    0
}

/// After a date, an optional time of day: (下午)11时30分(许).
fn time_of_day_end(chars: &[char], at: usize) -> usize {
    let mut k = at + is_day_part(chars, at);
    let n_end = number_end(chars, k);
    if n_end == k || !matches!(chars.get(n_end), Some('时' | '点')) {
        return if k > at { k } else { at };
    }
    k = n_end + 1;
    let m_end = number_end(chars, k);
    if m_end > k && matches!(chars.get(m_end), Some('分')) {
        k = m_end + 1;
    } else if chars.get(k) == Some(&'半') {
        k += 1;
    }
    approx_suffix_end(chars, k)
}

fn approx_suffix_end(chars: &[char], at: usize) -> usize {
    for w in ["左右", "前后", "许"] {
        if starts_with_at(chars, at, w) {
            return at + w.chars().count();
        }
    }
    at
}

/// Dates and quantities in a paragraph's characters.
#[cfg(test)]
pub fn scan(chars: &[char], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < chars.len() {
        i = step(chars, i, out);
    }
}

/// [`scan`], trying only the positions in `starts` (sorted): the starts of jieba's
/// tokens, which always separate digits from other characters. Much faster than
/// looking at every character.
pub fn scan_from(chars: &[char], starts: impl Iterator<Item = usize>, out: &mut Vec<Span>) {
    let mut next = 0;
    for at in starts {
        if at >= next && at < chars.len() {
            next = step(chars, at, out);
        }
    }
}

/// Looks for a date or quantity starting at `i`; returns where to look next.
fn step(chars: &[char], i: usize, out: &mut Vec<Span>) -> usize {
    let c = chars[i];
    let prev = if i > 0 { Some(chars[i - 1]) } else { None };
    // Lunar-calendar days: 大年初二, 正月初一, 正月十五.
    if matches!(c, '大' | '正')
        && (starts_with_at(chars, i, "大年初") || starts_with_at(chars, i, "正月初"))
        && chars.get(i + 3).is_some_and(|&d| is_cn_digit(d))
    {
        let end = number_end(chars, i + 3);
        out.push(Span::new(i, end, Label::TIME));
        return end;
    }
    let starts_number = is_num_char(c)
        && !prev
            .is_some_and(|p| is_num_char(p) || p.is_ascii_alphabetic() || p == '第' || p == '-');
    if !starts_number {
        return i + 1;
    }
    let end = number_end(chars, i);
    let digits = &chars[i..end];
    let arabic = digits.iter().all(|&d| is_digit(d));
    let next = chars.get(end).copied();
    // Dates: 2020年1月24日, 1月30日11时30分许, 2日, 90年代, 21世纪.
    if let Some(date_end) = date_end(chars, i, end, arabic) {
        out.push(Span::new(i, date_end, Label::TIME));
        return date_end;
    }
    if next.is_some_and(|c| c == '时' || c == '点') && arabic {
        let t_end = time_of_day_end(chars, i);
        if t_end > end + 1 || matches!(chars.get(end + 1), Some('许' | '左') | None) {
            out.push(Span::new(i, t_end.max(end + 1), Label::TIME));
            return t_end.max(end + 1);
        }
    }
    // Quantities: number (余|多)? unit.
    let mut u_at = end;
    if matches!(next, Some('余' | '多')) {
        u_at += 1;
    }
    let lone_cn = !arabic && digits.len() == 1 && is_cn_digit(digits[0]);
    if let Some(unit) = unit_at(chars, u_at) {
        // 一个 and 三点 (three o'clock, or "three points") are not quantities, nor the 一人
        // of 不漏一人 or 一户一策.
        let weak = lone_cn && WEAK_UNITS.contains(&unit)
            || (digits == ['一'] && matches!(unit, "人" | "户" | "家"));
        if !weak && (arabic || unit != "点") {
            let start = if prev.is_some_and(|p| APPROX_PREFIX.contains(p)) {
                i - 1
            } else {
                i
            };
            let q_end = u_at + unit.chars().count();
            out.push(Span::new(start, q_end, Label::QTY));
            return q_end;
        }
    } else if digits.iter().any(|&d| is_cn_magnitude(d)) && digits.iter().any(|&d| is_digit(d)) {
        // 15万 with no unit after the magnitude is still a quantity.
        let start = if prev.is_some_and(|p| APPROX_PREFIX.contains(p)) {
            i - 1
        } else {
            i
        };
        out.push(Span::new(start, end, Label::QTY));
    }
    end.max(i + 1)
}

/// End of a date starting with the number `i..end`, if it is one.
fn date_end(chars: &[char], i: usize, end: usize, arabic: bool) -> Option<usize> {
    let next = chars.get(end).copied()?;
    let value = arabic_value(&chars[i..end]);
    let mut k;
    match next {
        '年' if starts_with_at(chars, end, "年代") => return Some(end + 2),
        '世' if starts_with_at(chars, end, "世纪") => return Some(end + 2),
        '年' if arabic && (end - i == 4 || end - i == 2) => {
            k = end + 1;
            // Optional month and day.
            let m_end = number_end(chars, k);
            if m_end > k && chars.get(m_end) == Some(&'月') {
                k = m_end + 1;
                let d_end = number_end(chars, k);
                if d_end > k && matches!(chars.get(d_end), Some('日' | '号')) {
                    k = d_end + 1;
                }
            }
        }
        '年' if !arabic && end - i == 4 && chars[i..end].iter().all(|&d| is_cn_digit(d)) => {
            k = end + 1;
        }
        '月' if value.is_some_and(|v| (1..=12).contains(&v))
            || (!arabic
                && end - i <= 2
                && !starts_with_at(chars, end, "月份")
                && chars[i] != '两') =>
        {
            k = end + 1;
            let d_end = number_end(chars, k);
            if d_end > k && matches!(chars.get(d_end), Some('日' | '号')) {
                k = d_end + 1;
            }
        }
        '日' | '号' if value.is_some_and(|v| (1..=31).contains(&v)) => {
            k = end + 1;
        }
        _ => return None,
    }
    Some(time_of_day_end(chars, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Label)> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        scan(&chars, &mut out);
        out.iter()
            .map(|s| (chars[s.start..s.end].iter().collect(), s.label))
            .collect()
    }

    fn t(s: &str) -> (String, Label) {
        (s.to_string(), Label::TIME)
    }

    fn q(s: &str) -> (String, Label) {
        (s.to_string(), Label::QTY)
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(found("2020年1月24日(除夕),县"), [t("2020年1月24日")]);
        assert_eq!(found("1月30日11时30分许,督查组"), [t("1月30日11时30分许")]);
        assert_eq!(found("2月2日早上,高新区"), [t("2月2日早上")]);
        assert_eq!(found("大年初二开始"), [t("大年初二")]);
        assert_eq!(found("90年代、21世纪"), [t("90年代"), t("21世纪")]);
        assert_eq!(found("截至24日"), [t("24日")]);
    }

    #[test]
    fn quantities() {
        assert_eq!(found("共排查4836户13216人"), [q("4836户"), q("13216人")]);
        assert_eq!(found("共4836户"), [q("共4836户")]);
        assert_eq!(found("捐款近10万元"), [q("近10万元")]);
        assert_eq!(found("每天走两万步"), [q("两万步")]);
        assert_eq!(found("累计45000余元"), [q("45000余元")]);
        assert_eq!(found("增长95%"), [q("95%")]);
        assert_eq!(found("投入200万元"), [q("200万元")]);
        assert_eq!(found("15万马村人民"), [q("15万")]);
    }

    #[test]
    fn not_quantities() {
        assert!(found("这是一个好办法").is_empty());
        assert!(found("统一思想").is_empty());
        assert!(found("COVID-19疫情").is_empty());
        assert!(found("第一次").is_empty());
        assert!(found("万众一心").is_empty());
        assert!(found("66盐家属院").is_empty());
    }
}
