// Given-name gazetteer for the person recognizer: the npm package's EN/DE/FR/ES/IT lists plus curated Dutch and Nordic
// names.

import { createRequire } from 'node:module';
import { NAME_STOPWORDS, WEAK_NAMES } from './name-stopwords.js';

// Names common in the Netherlands and the Nordic countries that the package's lists lack (curated here).
const CURATED = `
aafke aagje aart adriaan aike alie anouk arjen arnout auke bas bart bauke berend bram cees coen corné daan dewi
dirk-jan doutzen eelco eline elke evert femke fenna floor floris frits froukje geert gerben gerrit gijs griet
hanneke harm hein hendrik hidde hilde huub ids ilse jaap janneke jasper jelle jeroen jesse joost joris jorrit
kees klaas koen lieke lieve lotte luuk maaike maarten marieke marijke marit mees meike mirjam niels noud
pien pim puck reinier rik rinse roel ruud saskia sem siebe sjoerd sofie stijn sven teun thijs tjitske ton
twan wessel wietske willem wouter yfke zeger
aake aase agnete agneta ármann åke åsa asbjørn aslak astrid audun bente birgit birgitta bjarne bjørn bodil börje
dagny dagfinn egil eino einar eirik elin elof endre erkki esa espen eyvind finn freja frode gösta göran gudrun
gunnar gunhild gustav haakon hallvard halvard halvor hannu harald hedda heikki helga helmi hilja håkan ingeborg
ingrid inkeri ismo jarmo jorma jukka juha juho jussi kaarina kaija kalle kari karin kaisa kati kerttu kirsi
kjell knut lasse leena leif liisa linnea magnhild maija marjatta markku matti merja mikael mikko minna nils
olav olli oskari outi paavo pekka pentti petteri pirjo raili ragnar ragnhild randi reijo riitta ritva
sakari sami sanna satu seppo sigrid sigurd signe siv sølvi solveig søren stig sune svein synnøve tapio tarja
teemu terje timo toivo torbjørn tord tore torunn tove turid tuula ulla unni urho väinö veikko vesa vidar
viljo ylva yrjö
aino aleksi anneli antero anssi antti ari arja arto asko eero eija eila elina elisa emilia esko eveliina
hannele harri heli helena henna hilkka ilkka ilmari irja jaakko janne jari jarkko jouni juhani jyrki kaarlo kalevi
kaisu kimmo kirsti kristiina lauri leevi maarit marja marjo martti mervi mika mirja noora onni päivi pasi pauliina
petri raija raimo riikka risto sari seija simo sirpa sirkka tapani tero terttu toni tuomas tuulikki unto urpo vappu
veli ville virpi
jan-willem marloes niek noor roos ruben toon ties teunis dieke imke faas tijs jelte sietse wietse hessel tjeerd minke
renske jildou anke ineke geertje gerda henk piet
sondre tiril simen sindre eskil even jørgen magne håvard ola trond øystein ståle vegard torstein ingvild marte silje
sunniva tuva maja vilde ida nora thea synne oda emil linus pontus olle kerstin britt margareta gunilla lena pernilla
ulrika agnetha ebba alva saga selma stina tove viggo aksel anker bent bjarke frederik jens jesper kasper mads mikkel
morten palle poul rasmus thorkild troels ulrik asger birthe dorthe grethe hanne inge kirsten lone mette pia rikke
susanne tine vibeke
`;

/** Lower case without accents (`María` -> `maria`), so spellings with and without accents meet. */
export function fold(word: string): string {
  return foldLower(word.toLowerCase());
}

// eslint-disable-next-line no-control-regex -- the range starts at U+0000 on purpose: anything outside ASCII
const NON_ASCII = /[^\u0000-\u007f]/;

/** `fold` of a word already in lower case. */
function foldLower(lower: string): string {
  if (!NON_ASCII.test(lower)) return lower;
  // Character by character from a table (NFD is slow); a character outside it makes the whole word go through NFD.
  let out = '';
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c < 128) out += lower[i];
    else {
      const folded = c >= FOLD_FROM && c < FOLD_TO ? FOLDED[c - FOLD_FROM] : undefined;
      if (folded === undefined) return foldSlow(lower);
      out += folded;
    }
  }
  return out;
}

const foldSlow = (lower: string): string => lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

// Latin-1 to Cyrillic: each character's fold, for those whose NFD has no mark outside U+0300-036F (the marks `fold`
// removes), so that folding the characters one by one equals folding the word. The others are left to NFD.
const FOLD_FROM = 0x80;
const FOLD_TO = 0x530;
const FOLDED: (string | undefined)[] = Array.from({ length: FOLD_TO - FOLD_FROM }, (_, k) => {
  const ch = String.fromCharCode(FOLD_FROM + k);
  const marks = ch.normalize('NFD').replace(/[^\p{M}]/gu, '');
  return /^[\u0300-\u036f]*$/.test(marks) && !/\p{M}/u.test(ch) ? foldSlow(ch) : undefined;
});

function load(): ReadonlySet<string> {
  const require = createRequire(import.meta.url);
  const names = new Set<string>();
  for (const lang of ['en', 'de', 'fr', 'es', 'it']) {
    const id = require.resolve(`gender-detection-from-name/names/${lang}.js`);
    const map = require(id) as Map<string, string>;
    for (const name of map.keys())
      if (name.length > 1 && !NAME_STOPWORDS.has(name) && !WEAK_NAMES.has(name)) names.add(fold(name));
    // Only the names are kept: the package's maps (with genders) would stay in the require cache, 3.5 MB of heap.
    delete require.cache[id];
  }
  for (const name of CURATED.split(/\s+/)) if (name !== '') names.add(fold(name));
  return names;
}

/** Lower-cased given names (about 67,000), minus words that are more often ordinary words. Loaded once, at import. */
export const GIVEN_NAMES: ReadonlySet<string> = load();

/**
 * True if `lowerCased` (a word already in lower case: the person recognizer lower-cases every token once) is a known
 * given name; hyphenated names count if every part is one.
 */
export function isGivenLower(lowerCased: string): boolean {
  return isGivenFolded(foldLower(lowerCased));
}

function isGivenFolded(lower: string): boolean {
  if (isKnown(lower, 0, lower.length)) return true;
  const dash = lower.indexOf('-');
  return dash > 0 && isKnown(lower, 0, dash) && isKnown(lower, dash + 1, lower.length);
}

/**
 * A Bloom filter in front of GIVEN_NAMES: a probe of the 67,000-name set costs 150-300 ns on this machine (hashing a
 * new string and cache misses in a large table), two bits of a 256 KB table far less. No false negatives: a name is
 * always looked up; about 1% of other words are too.
 */
const BLOOM_BITS = 1 << 21;
const bloom = new Uint32Array(BLOOM_BITS / 32);

/** Two 21-bit hashes of `word.slice(start, end)` (FNV-1a over UTF-16 code units, and its high bits mixed). */
function bloomHashes(word: string, start: number, end: number): [number, number] {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  const h2 = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return [h & (BLOOM_BITS - 1), (h2 ^ (h2 >>> 12)) & (BLOOM_BITS - 1)];
}

function bloomAdd(word: string): void {
  for (const b of bloomHashes(word, 0, word.length)) bloom[b >>> 5] |= 1 << (b & 31);
}

function isKnown(word: string, start: number, end: number): boolean {
  const [a, b] = bloomHashes(word, start, end);
  if ((bloom[a >>> 5] & (1 << (a & 31))) === 0 || (bloom[b >>> 5] & (1 << (b & 31))) === 0) return false;
  return GIVEN_NAMES.has(start === 0 && end === word.length ? word : word.slice(start, end));
}

for (const name of GIVEN_NAMES) bloomAdd(name);
