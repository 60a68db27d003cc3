//! The language of `mfile runs --where` and `--sort`: comparisons of a run's fields, params,
//! metrics and tags with numbers and strings, joined by `and`, `or`, `not` and parentheses.
//!
//! ```text
//! acc > 0.9 and lr < 0.01          a bare key: a run field, else a param, else a metric's last value
//! best(val_acc) >= 0.8             last(k), best(k), min(k), max(k): a metric; param(k), tag(k)
//! opt = 'adam' or not (status = "failed")
//! 准确率 > 0.9 and `top-1 acc` > 0.5   keys in any script; other characters in backticks
//! ```
//!
//! This module knows the language only; what a key means for a run is [`Facts`]'
//! business (tracking::listing). A comparison with a side that a run lacks is false.

use std::cmp::Ordering;
use std::fmt;

use unicode_normalization::char::is_combining_mark;
use unicode_width::UnicodeWidthStr;

use crate::time::Timestamp;

/// Where a key is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A run field (`name`, `owner`, `status`, `started`, `ended`, `duration`), else a param,
    /// else a metric's last value.
    Any,
    Param,
    Tag,
    Metric(Pick),
}

/// The functions a key may be named through (`best(acc)`), and where each looks.
const FUNCTIONS: [(&str, Source); 6] = [
    ("last", Source::Metric(Pick::Last)),
    ("best", Source::Metric(Pick::Best)),
    ("min", Source::Metric(Pick::Min)),
    ("max", Source::Metric(Pick::Max)),
    ("param", Source::Param),
    ("tag", Source::Tag),
];

/// Which value of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    Last,
    /// By the metric's direction (min for losses, max for accuracies); none without one.
    Best,
    Min,
    Max,
}

/// A key of a run, as `--where` and `--sort` name it.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    pub source: Source,
    pub key: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Key(Operand),
    Number(f64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Compare(Term, Cmp, Term),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// `--sort KEY` or `--sort -KEY`.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    pub operand: Operand,
    pub descending: bool,
}

/// A value a run has for a key.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
    Time(Timestamp),
}

/// What a run has for each key; `None` when it lacks the key.
pub trait Facts {
    fn value(&self, operand: &Operand) -> Option<Value>;
}

/// Where and why an expression does not parse; `column` counts characters from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl ParseError {
    /// The message, then the expression with a caret under the column (by display width, so it
    /// points right under wide characters too).
    pub fn pointed(&self, text: &str) -> String {
        let shown: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let before: String = shown.chars().take(self.column - 1).collect();
        let pad = " ".repeat(UnicodeWidthStr::width(before.as_str()));
        format!("{self}\n  {shown}\n  {pad}^")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a `--where` expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser::new(text)?;
    let expr = parser.or()?;
    match parser.peek() {
        (_, Token::End) => Ok(expr),
        (column, Token::Close) => Err(parser.error(column, "')' without a '(' before it")),
        (column, token) => Err(parser.error(
            column,
            &format!(
                "expected 'and', 'or' or the end, found {}",
                token.describe()
            ),
        )),
    }
}

/// Parses a `--sort` key: a key as in `--where` (`acc`, `best(loss)`, `` `top-1` ``), `-` in
/// front for descending.
pub fn parse_sort(text: &str) -> Result<SortKey, ParseError> {
    let (descending, rest, offset) = match text.strip_prefix('-') {
        Some(rest) => (true, rest, 1),
        None => (false, text, 0),
    };
    let shift = |mut e: ParseError| {
        e.column += offset;
        e
    };
    let mut parser = Parser::new(rest).map_err(shift)?;
    let (column, token) = parser.next();
    let operand = match token {
        Token::Word(word) => parser.operand(column, word).map_err(shift)?,
        Token::Quoted(key) => Operand {
            source: Source::Any,
            key,
        },
        other => {
            let message = format!("expected a key to sort by, found {}", other.describe());
            return Err(shift(parser.error(column, &message)));
        }
    };
    match parser.peek() {
        (_, Token::End) => Ok(SortKey {
            operand,
            descending,
        }),
        (column, token) => {
            let message = format!("expected the end after the key, found {}", token.describe());
            Err(shift(parser.error(column, &message)))
        }
    }
}

impl Operand {
    /// The key as `--where` names it: `acc`, `best(acc)`, `tag(stage)` (without backticks).
    pub fn describe(&self) -> String {
        match FUNCTIONS.iter().find(|(_, source)| *source == self.source) {
            Some((function, _)) => format!("{function}({})", self.key),
            None => self.key.clone(), // Source::Any
        }
    }
}

impl Expr {
    /// The keys the expression names, in order.
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            Expr::Compare(left, _, right) => [left, right]
                .into_iter()
                .filter_map(|term| match term {
                    Term::Key(operand) => Some(operand),
                    _ => None,
                })
                .collect(),
            Expr::And(a, b) | Expr::Or(a, b) => [a.operands(), b.operands()].concat(),
            Expr::Not(e) => e.operands(),
        }
    }

    /// Whether a run with these facts matches.
    pub fn matches(&self, facts: &dyn Facts) -> bool {
        match self {
            Expr::Compare(left, cmp, right) => {
                match (resolve(left, facts), resolve(right, facts)) {
                    (Some(a), Some(b)) => compare(&a, *cmp, &b),
                    _ => false,
                }
            }
            Expr::And(a, b) => a.matches(facts) && b.matches(facts),
            Expr::Or(a, b) => a.matches(facts) || b.matches(facts),
            Expr::Not(e) => !e.matches(facts),
        }
    }
}

fn resolve(term: &Term, facts: &dyn Facts) -> Option<Value> {
    match term {
        Term::Key(operand) => facts.value(operand),
        Term::Number(n) => Some(Value::Number(*n)),
        Term::Text(t) => Some(Value::Text(t.clone())),
    }
}

/// Numbers compare as numbers (NaN equals nothing), text as text (by code point), times as
/// times or as their RFC 3339 text; text that reads as a number compares with a number. Any
/// other pair is false, whatever the operator.
fn compare(a: &Value, cmp: Cmp, b: &Value) -> bool {
    let number = |text: &str| text.trim().parse::<f64>().ok();
    let order = match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Number(x), Value::Text(t)) => number(t).and_then(|y| x.partial_cmp(&y)),
        (Value::Text(t), Value::Number(y)) => number(t).and_then(|x| x.partial_cmp(y)),
        (Value::Text(s), Value::Text(t)) => Some(s.cmp(t)),
        (Value::Time(s), Value::Time(t)) => Some(s.0.cmp(&t.0)),
        (Value::Time(s), Value::Text(t)) => Some(s.rfc3339().as_str().cmp(t.as_str())),
        (Value::Text(s), Value::Time(t)) => Some(s.as_str().cmp(t.rfc3339().as_str())),
        (Value::Time(_), Value::Number(_)) | (Value::Number(_), Value::Time(_)) => None,
    };
    match (order, cmp) {
        (None, Cmp::Ne) => {
            matches!((a, b), (Value::Number(x), Value::Number(y)) if x.is_nan() || y.is_nan())
        }
        (None, _) => false,
        (Some(o), Cmp::Lt) => o == Ordering::Less,
        (Some(o), Cmp::Le) => o != Ordering::Greater,
        (Some(o), Cmp::Gt) => o == Ordering::Greater,
        (Some(o), Cmp::Ge) => o != Ordering::Less,
        (Some(o), Cmp::Eq) => o == Ordering::Equal,
        (Some(o), Cmp::Ne) => o != Ordering::Equal,
    }
}

/// A NaN, or text that reads as one (a param `nan`): a sort puts it last either way.
pub fn is_nan(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_nan(),
        Value::Text(t) => t.trim().parse::<f64>().is_ok_and(f64::is_nan),
        Value::Time(_) => false,
    }
}

/// The order of two runs' values for a sort, ascending: numbers (by value, text that reads as
/// one included) before times before text. A missing value or NaN the caller puts last.
pub fn sort_order(a: &Value, b: &Value) -> Ordering {
    // A param is text; one that reads as a number sorts as one (`1e-3` before `0.01`).
    let as_number = |v: &Value| match v {
        Value::Text(t) => t.trim().parse::<f64>().map_or(v.clone(), Value::Number),
        other => other.clone(),
    };
    let (a, b) = (&as_number(a), &as_number(b));
    let rank = |v: &Value| match v {
        Value::Number(_) => 0,
        Value::Time(_) => 1,
        Value::Text(_) => 2,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        (Value::Time(s), Value::Time(t)) => s.0.cmp(&t.0),
        (Value::Text(s), Value::Text(t)) => s.cmp(t),
        _ => rank(a).cmp(&rank(b)),
    }
}

// ---- tokens -----------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    /// A key in backticks.
    Quoted(String),
    Text(String),
    Number(f64),
    Cmp(Cmp),
    Open,
    Close,
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("'{w}'"),
            Token::Quoted(k) => format!("`{k}`"),
            Token::Text(t) => format!("the string '{t}'"),
            Token::Number(n) => format!("the number {n}"),
            Token::Cmp(c) => format!("'{}'", cmp_text(*c)),
            Token::Open => "'('".to_string(),
            Token::Close => "')'".to_string(),
            Token::End => "the end".to_string(),
        }
    }
}

fn cmp_text(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Lt => "<",
        Cmp::Le => "<=",
        Cmp::Gt => ">",
        Cmp::Ge => ">=",
        Cmp::Eq => "=",
        Cmp::Ne => "!=",
    }
}

/// A letter or `_` starts a bare key; letters, digits, marks, `_`, `.`, `/` and `-` go on.
fn starts_key(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn in_key(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c) || matches!(c, '_' | '.' | '/' | '-')
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let err = |column: usize, message: String| ParseError { column, message };
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        let starts_number = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let token = match c {
            '(' => Token::Open,
            ')' => Token::Close,
            '<' | '>' | '=' | '!' => {
                let two = next == Some('=');
                let cmp = match (c, two) {
                    ('<', false) => Cmp::Lt,
                    ('<', true) => Cmp::Le,
                    ('>', false) => Cmp::Gt,
                    ('>', true) => Cmp::Ge,
                    ('=', _) => Cmp::Eq,
                    ('!', true) => Cmp::Ne,
                    _ => {
                        return Err(err(
                            column,
                            "'!' alone is no operator; use 'not' or '!='".into(),
                        ));
                    }
                };
                i += if two { 2 } else { 1 };
                tokens.push((column, Token::Cmp(cmp)));
                continue;
            }
            '\'' | '"' | '`' => {
                let mut value = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            let what = if c == '`' { "key" } else { "string" };
                            return Err(err(column, format!("this {what} has no closing {c}")));
                        }
                        Some('\\') if j + 1 < chars.len() => {
                            value.push(chars[j + 1]);
                            j += 2;
                        }
                        Some(&q) if q == c => break,
                        Some(&other) => {
                            value.push(other);
                            j += 1;
                        }
                    }
                }
                i = j + 1;
                let token = if c == '`' {
                    if value.is_empty() {
                        return Err(err(column, "an empty key".into()));
                    }
                    Token::Quoted(value)
                } else {
                    Token::Text(value)
                };
                tokens.push((column, token));
                continue;
            }
            c if c.is_ascii_digit()
                || (c == '.' && starts_number(next))
                || (matches!(c, '-' | '+') && starts_number(next)) =>
            {
                let mut j = i + 1;
                while j < chars.len() {
                    let d = chars[j];
                    let exponent_sign = matches!(d, '+' | '-') && matches!(chars[j - 1], 'e' | 'E');
                    if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E') || exponent_sign {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let literal: String = chars[i..j].iter().collect();
                let Ok(number) = literal.parse::<f64>() else {
                    return Err(err(column, format!("{literal} is not a number")));
                };
                if chars.get(j).is_some_and(|&d| in_key(d)) {
                    return Err(err(
                        column,
                        format!(
                            "a key starts with a letter or '_'; write `{literal}...` in backticks"
                        ),
                    ));
                }
                i = j;
                tokens.push((column, Token::Number(number)));
                continue;
            }
            c if starts_key(c) => {
                let mut j = i + 1;
                while j < chars.len() && in_key(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                i = j;
                tokens.push((column, Token::Word(word)));
                continue;
            }
            other => {
                let shown = if other.is_control() {
                    format!("U+{:04X}", other as u32)
                } else {
                    format!("'{other}'")
                };
                return Err(err(
                    column,
                    format!("{shown} can't be here; write a key with such characters in backticks"),
                ));
            }
        };
        i += 1;
        tokens.push((column, token));
    }
    tokens.push((chars.len() + 1, Token::End));
    Ok(tokens)
}

// ---- parser -----------------------------------------------------------------------------

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.eq_ignore_ascii_case(word))
}

impl Parser {
    fn new(text: &str) -> Result<Parser, ParseError> {
        Ok(Parser {
            tokens: tokenize(text)?,
            at: 0,
        })
    }

    fn peek(&self) -> (usize, Token) {
        self.tokens[self.at.min(self.tokens.len() - 1)].clone()
    }

    fn next(&mut self) -> (usize, Token) {
        let token = self.peek();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        token
    }

    fn error(&self, column: usize, message: &str) -> ParseError {
        ParseError {
            column,
            message: message.to_string(),
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while is_word(&self.peek().1, "or") {
            self.next();
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while is_word(&self.peek().1, "and") {
            self.next();
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let (column, token) = self.peek();
        if is_word(&token, "not") {
            self.next();
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if token == Token::Open {
            self.next();
            let inner = self.or()?;
            return match self.next() {
                (_, Token::Close) => Ok(inner),
                (at, found) => Err(self.error(
                    at,
                    &format!(
                        "expected ')' to close the '(' at column {column}, found {}",
                        found.describe()
                    ),
                )),
            };
        }
        let left = self.term()?;
        let (at, token) = self.next();
        let Token::Cmp(cmp) = token else {
            return Err(self.error(
                at,
                &format!(
                    "expected a comparison (<, <=, >, >=, =, !=), found {}",
                    token.describe()
                ),
            ));
        };
        let right = self.term()?;
        Ok(Expr::Compare(left, cmp, right))
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        let (column, token) = self.next();
        match token {
            Token::Number(n) => Ok(Term::Number(n)),
            Token::Text(t) => Ok(Term::Text(t)),
            Token::Quoted(key) => Ok(Term::Key(Operand {
                source: Source::Any,
                key,
            })),
            Token::Word(w)
                if ["and", "or", "not"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                Err(self.error(
                    column,
                    &format!(
                        "expected a key, a number or a quoted string, found '{w}' (a key named \
                         so is written `{w}`)"
                    ),
                ))
            }
            Token::Word(w) => Ok(Term::Key(self.operand(column, w)?)),
            other => Err(self.error(
                column,
                &format!(
                    "expected a key, a number or a quoted string, found {}",
                    other.describe()
                ),
            )),
        }
    }

    /// A bare key, or `function(key)` when the word is followed by `(`.
    fn operand(&mut self, column: usize, word: String) -> Result<Operand, ParseError> {
        if self.peek().1 != Token::Open {
            return Ok(Operand {
                source: Source::Any,
                key: word,
            });
        }
        let lower = word.to_ascii_lowercase();
        let source = match FUNCTIONS.iter().find(|(name, _)| *name == lower) {
            Some((_, source)) => *source,
            None => {
                return Err(self.error(
                    column,
                    &format!("no function {word}(); use last, best, min, max, param or tag"),
                ));
            }
        };
        self.next();
        let (at, token) = self.next();
        let key = match token {
            Token::Word(w) | Token::Quoted(w) => w,
            other => {
                return Err(self.error(
                    at,
                    &format!("expected a key inside {word}(), found {}", other.describe()),
                ));
            }
        };
        match self.next() {
            (_, Token::Close) => Ok(Operand { source, key }),
            (at, other) => Err(self.error(
                at,
                &format!(
                    "expected ')' after {word}({key}, found {}",
                    other.describe()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn key(k: &str) -> Term {
        Term::Key(Operand {
            source: Source::Any,
            key: k.into(),
        })
    }

    fn err(text: &str) -> ParseError {
        parse(text).expect_err(text)
    }

    struct Run(HashMap<String, Value>);

    impl Facts for Run {
        fn value(&self, operand: &Operand) -> Option<Value> {
            let name = match operand.source {
                Source::Any => operand.key.clone(),
                Source::Metric(Pick::Best) => format!("best:{}", operand.key),
                _ => return None,
            };
            self.0.get(&name).cloned()
        }
    }

    fn run(pairs: &[(&str, Value)]) -> Run {
        Run(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect())
    }

    #[test]
    fn precedence_and_parentheses() {
        let e = parse("a > 1 or b < 2 and not c = 'x'").unwrap();
        let Expr::Or(left, right) = e else {
            panic!("or binds loosest: {e:?}")
        };
        assert_eq!(*left, Expr::Compare(key("a"), Cmp::Gt, Term::Number(1.0)));
        assert!(matches!(*right, Expr::And(_, ref n) if matches!(**n, Expr::Not(_))));
        let grouped = parse("(a > 1 OR b < 2) AND c == \"x\"").unwrap();
        assert!(matches!(grouped, Expr::And(..)), "{grouped:?}");
    }

    #[test]
    fn operators_numbers_and_functions() {
        for (text, cmp) in [
            ("x<1", Cmp::Lt),
            ("x<=1", Cmp::Le),
            ("x>1", Cmp::Gt),
            ("x>=1", Cmp::Ge),
            ("x=1", Cmp::Eq),
            ("x==1", Cmp::Eq),
            ("x!=1", Cmp::Ne),
        ] {
            assert_eq!(
                parse(text).unwrap(),
                Expr::Compare(key("x"), cmp, Term::Number(1.0))
            );
        }
        assert_eq!(
            parse("lr<-1e-3").unwrap(),
            Expr::Compare(key("lr"), Cmp::Lt, Term::Number(-0.001))
        );
        assert_eq!(
            parse("best(val/acc) >= .5").unwrap(),
            Expr::Compare(
                Term::Key(Operand {
                    source: Source::Metric(Pick::Best),
                    key: "val/acc".into()
                }),
                Cmp::Ge,
                Term::Number(0.5)
            )
        );
        // A function's name alone is a key.
        assert_eq!(
            parse("max = 3").unwrap(),
            Expr::Compare(key("max"), Cmp::Eq, Term::Number(3.0))
        );
    }

    #[test]
    fn unicode_and_quoted_keys() {
        assert_eq!(
            parse("准确率 > 0.9").unwrap(),
            Expr::Compare(key("准确率"), Cmp::Gt, Term::Number(0.9))
        );
        assert_eq!(
            parse("`top-1 acc` > 0.5 and `and` = 'it\\'s'").unwrap(),
            Expr::And(
                Box::new(Expr::Compare(key("top-1 acc"), Cmp::Gt, Term::Number(0.5))),
                Box::new(Expr::Compare(
                    key("and"),
                    Cmp::Eq,
                    Term::Text("it's".into())
                ))
            )
        );
    }

    #[test]
    fn errors_point_at_the_column() {
        assert_eq!(err("acc > ").column, 7);
        assert_eq!(err("acc > 0.9 and").column, 14);
        assert_eq!(err("acc 0.9").column, 5);
        assert_eq!(err("(acc > 1").column, 9);
        assert_eq!(err("acc > 1)").column, 8);
        assert_eq!(err("acc ~ 1").column, 5);
        assert_eq!(err("opt = 'adam").column, 7);
        assert_eq!(err("foo(acc) > 1").column, 1);
        assert_eq!(err("准确率 >> 1").column, 6);
        assert_eq!(err("acc ! 1").column, 5);
        assert_eq!(err("1cycle > 2").column, 1);
        let pointed = err("准确率 >").pointed("准确率 >");
        assert!(pointed.ends_with("\n  准确率 >\n          ^"), "{pointed}");
        assert_eq!(parse_sort("-best(").unwrap_err().column, 7);
    }

    #[test]
    fn sort_keys() {
        assert_eq!(
            parse_sort("-lr").unwrap(),
            SortKey {
                operand: Operand {
                    source: Source::Any,
                    key: "lr".into()
                },
                descending: true
            }
        );
        assert_eq!(
            parse_sort("min(loss)").unwrap().operand.source,
            Source::Metric(Pick::Min)
        );
        assert!(parse_sort("lr > 1").is_err());
    }

    #[test]
    fn matching() {
        let r = run(&[
            ("acc", Value::Number(0.95)),
            ("lr", Value::Text("1e-3".into())),
            ("opt", Value::Text("adam".into())),
            ("loss", Value::Number(f64::NAN)),
            ("best:acc", Value::Number(0.97)),
        ]);
        let yes = |t: &str| parse(t).unwrap().matches(&r);
        assert!(
            yes("acc > 0.9 and lr < 0.01"),
            "a text param reads as a number"
        );
        assert!(yes("opt = 'adam' and opt != \"sgd\""));
        assert!(yes("best(acc) > acc"));
        assert!(!yes("missing > 0") && !yes("missing != 0") && !yes("missing = 'x'"));
        assert!(yes("not missing = 1"));
        assert!(
            !yes("opt > 1"),
            "text that is no number does not compare with one"
        );
        assert!(!yes("loss < 1") && !yes("loss = loss") && yes("loss != 1"));
        assert!(yes("0.9 < acc"));
    }
}
