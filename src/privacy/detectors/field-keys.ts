// The words of a field's key (a JSON member's, a table column's, a form line's), and the keys that name the parts of
// an address a record may split over fields.

const SNAKE_CASE = /^[a-z]+(?:[_\-.][a-z]+)*$/;
const SEPARATORS = /[_\-.]/g;

/**
 * The words of a key (`dateOfBirth`, `date_of_birth`, `Date of birth` → `date of birth`; digits, which number fields,
 * are left out: `addressLine1` → `address line`); '' for a key that is not words.
 */
export function keyWords(key: string): string {
  if (key.length > 48) return '';
  if (SNAKE_CASE.test(key)) return key.replace(SEPARATORS, ' '); // the usual key, without the Unicode regexes below
  const words = key
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .replace(/[\s_\-.\d]+/g, ' ')
    .trim()
    .toLowerCase();
  return /^[\p{Ll}\p{Lo}]+(?: [\p{Ll}\p{Lo}]+)*$/u.test(words) ? words : '';
}

/**
 * Key words that name a street (`street`, `streetName`, `Straße`): with the house number and the postcode, it finds
 * the home. Not `gate` (Norwegian for street, and an airport's gate) or `via` (Italian; also English).
 */
export const STREET_KEY =
  /^(?:street(?: name| line)?|streetname|straße|strasse|straßenname|strassenname|straat|straatnaam|calle|rue|gata|gatuadress|gatenavn|katu|katuosoite|vej|vejnavn)$/;

/** Key words that name a postcode (`zipCode`, `PLZ`). Not `cap` (Italian; also English). */
export const POSTCODE_KEY =
  /^(?:post ?code|postal code|zip(?: ?code)?|postleitzahl|plz|code postal|código postal|codigo postal|postnummer|postinumero)$/;
