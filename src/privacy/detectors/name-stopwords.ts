// Words that are given names in some list but far more often ordinary words (kept out of the gazetteer).

const WORDS = `
i my our your his her their its we you they he she it me us them mine yours ours
please can could would should shall must might may do does did have has had let lets make write draft summarise
summarize compare check send tell show give find explain translate list create update add remove help thanks
granite steel cotton silk bronze wooden bamboo plastic rubber concrete metal marble gold silver golden iron
gorgeous fresh frozen soft hard handmade handcrafted ergonomic sleek rustic practical intelligent incredible fantastic
generic licensed unbranded refined awesome tasty elegant modern luxurious oriental recycled electronic tactile
sri holy saint san santa rio read pride sugar honey candy cookie pepper ginger coral
national insurance tax social security health public private general royal federal international
a an the and or but if then than so yet for nor of to in on at by with from as is are was were be been being
this that these those there here what which who whom whose when where why how all any both each few more most
other some such no not only own same too very can will just should now new old good great best first last
next big small high low long little right left young early late open close free full real sure true
north south east west central street road avenue lane main park square station city town village
apple amazon google meta oracle tesla ford jaguar mercedes porsche ferrari lincoln chrysler dodge
london paris berlin madrid rome roma milan milano vienna sydney dallas austin houston phoenix denver orlando
florence georgia carolina virginia indiana kansas montana nevada dakota florida victoria adelaide
china india jordan israel chad kenya
morning second done sun moon snow ocean hill junior mister
patient doctor nurse client customer user admin manager team staff dear hello hi hey thanks thank please
regards best cheers welcome sorry yes okay ok note notice summary total number name date time
der die das und oder aber mit von zu im am an auf aus bei nach für über unter vor ein eine einen
le la les un une des du de et ou mais avec pour par sur dans sous chez
el los las y o pero con por para en sin sobre bajo
il lo gli uno una e ma con per su tra fra
het een en maar met voor op uit bij naar
och eller men med för på av till ett en
og eller men med til av ei et
ja tai mutta
lunes martes miércoles jueves viernes sábado domingo
lundi mardi mercredi jeudi vendredi samedi dimanche
montag dienstag mittwoch donnerstag freitag samstag sonntag
mai juni juli januar februar märz
bank credit union group holdings capital partners global digital data cloud software system systems
dior chanel gucci prada armani boss
`;

const WEAK = `
may june april august march summer winter spring autumn fall monday friday sunday christmas easter
hope grace faith joy love honor honour glory mercy charity patience prudence constance temperance
rose lily daisy violet ivy holly heather iris jasmine poppy hazel olive ruby pearl amber crystal jewel
dawn eve sky rain storm star sunny sunshine river ocean lake forest stone rock clay flint wolf fox bear
mark will bill bob pat sue rob don ray van guy gene art jack jay dean earl king prince duke baron major
page price rich cash penny sterling chase miles sterling story summer tuesday wednesday
angel christian christina hugo august
`;

/** Lower-cased words never treated as given names. */
export const NAME_STOPWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((w) => w !== ''));

/**
 * Given names that are also common words (`Will`, `Grace`, `May`): they count as a given name only
 * inside a sentence and before a capitalised family name.
 */
export const WEAK_NAMES: ReadonlySet<string> = new Set(WEAK.split(/\s+/).filter((w) => w !== ''));
