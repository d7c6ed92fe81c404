/**
 * Name, street and city data of the demo world's three markets. Real given and family names,
 * real streets with their real postal codes, so that diacritics (ä ö ü ß, ā č ē ķ ņ š ž, æ ø å)
 * and national formats reach every layer of the hub.
 */

export type DemoCountry = 'DE' | 'LV' | 'DK';
export type Gender = 'female' | 'male';

/** A family name; Latvian family names have a masculine and a feminine form (Bērziņš / Bērziņa). */
export interface FamilyName {
  readonly male: string;
  readonly female: string;
}

/** A town or district with the postal codes and streets found in it. */
export interface Locality {
  readonly city: string;
  readonly postalCodes: readonly string[];
  readonly streets: readonly string[];
  /** Fixed-line area code in national format (`030`), for company numbers. */
  readonly areaCode: string;
}

export interface CountryData {
  readonly country: DemoCountry;
  readonly language: 'de' | 'lv' | 'da';
  readonly givenNames: Readonly<Record<Gender, readonly string[]>>;
  readonly familyNames: readonly FamilyName[];
  readonly emailDomains: readonly string[];
  readonly companyNames: readonly ((family: string, city: string) => string)[];
  readonly companyDomain: string;
  /** Local part of a fleet department's mailbox (`fuhrpark`, `flaade`). */
  readonly fleetMailbox: string;
}

const same = (...names: string[]): FamilyName[] => names.map((name) => ({ male: name, female: name }));

export const germany: CountryData = {
  country: 'DE',
  language: 'de',
  givenNames: {
    male: [
      'Lukas', 'Jonas', 'Maximilian', 'Felix', 'Paul', 'Leon', 'Jürgen', 'Jörg', 'Björn', 'Günter', 'Sören', 'Thomas',
      'Michael', 'Andreas', 'Stefan', 'Klaus', 'Uwe', 'Dieter', 'Matthias', 'Tobias', 'Florian', 'Hans-Jürgen', 'Rüdiger',
      'Götz', 'Jürgen', 'Frank', 'Ralf', 'Bernd', 'Timo', 'Niklas', 'Moritz', 'Fynn', 'Jan', 'Malte', 'Volker', 'Horst',
    ],
    female: [
      'Anna', 'Lena', 'Lea', 'Sophie', 'Marie', 'Hannah', 'Bärbel', 'Käthe', 'Jördis', 'Ursula', 'Sabine', 'Petra',
      'Claudia', 'Susanne', 'Katrin', 'Julia', 'Laura', 'Brigitte', 'Gisela', 'Renate', 'Monika', 'Jana', 'Franziska',
      'Anja', 'Doris', 'Gülay', 'Mia', 'Emma', 'Charlotte', 'Johanna', 'Lotte', 'Maren', 'Sünje', 'Dörte',
    ],
  },
  familyNames: same(
    'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer',
    'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger',
    'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Schmitz', 'Krause', 'Meier', 'Lehmann', 'Schulze', 'Maier',
    'Köhler', 'Herrmann', 'König', 'Walter', 'Huber', 'Kaiser', 'Fuchs', 'Peters', 'Scholz', 'Möller', 'Weiß', 'Jung',
    'Hahn', 'Schubert', 'Vogel', 'Friedrich', 'Keller', 'Günther', 'Berger', 'Winkler', 'Roth', 'Beck', 'Lorenz',
    'Baumann', 'Albrecht', 'Schuster', 'Böhm', 'Winter', 'Krämer', 'Vogt', 'Jäger', 'Sommer', 'Groß', 'Seidel',
    'Brandt', 'Haas', 'Schreiber', 'Dietrich', 'Ziegler', 'Kühn', 'Pohl', 'Engel', 'Horn', 'Busch', 'Bergmann',
    'Strauß', 'Voß', 'Preuß', 'Nußbaum', 'Gößling', 'Dröge', 'Löffler', 'Rößler', 'Öztürk', 'Brückner', 'Lüdtke',
  ),
  emailDomains: ['gmx.de', 'web.de', 't-online.de', 'gmail.com', 'posteo.de', 'outlook.de', 'freenet.de', 'mailbox.org'],
  companyNames: [
    (family) => `${family} Logistik GmbH`,
    (family) => `${family} & Söhne KG`,
    (family) => `Bäckerei ${family} GmbH`,
    (_family, city) => `Pflegedienst ${city} gGmbH`,
    (family) => `Gartenbau ${family} e.K.`,
    (family) => `${family} Elektrotechnik GmbH`,
    (family) => `Sanitär ${family} GmbH & Co. KG`,
    (_family, city) => `Kurierdienst ${city} GmbH`,
    (family) => `Malerbetrieb ${family}`,
    () => 'Grünwerk Landschaftsbau GmbH',
    () => 'Fleischerei Rößler OHG',
  ],
  companyDomain: 'de',
  fleetMailbox: 'fuhrpark',
};

export const latvia: CountryData = {
  country: 'LV',
  language: 'lv',
  givenNames: {
    male: [
      'Jānis', 'Andris', 'Mārtiņš', 'Pēteris', 'Kārlis', 'Edgars', 'Raivis', 'Uldis', 'Māris', 'Aivars', 'Artūrs',
      'Guntis', 'Gatis', 'Valdis', 'Ēriks', 'Oskars', 'Roberts', 'Kristaps', 'Dāvis', 'Reinis', 'Krišjānis', 'Ģirts',
      'Aigars', 'Normunds', 'Rihards', 'Toms', 'Matīss', 'Emīls', 'Jurģis', 'Žanis', 'Ojārs', 'Imants',
    ],
    female: [
      'Anna', 'Līga', 'Ilze', 'Inese', 'Kristīne', 'Laura', 'Zane', 'Dace', 'Sandra', 'Agnese', 'Evija', 'Elīna',
      'Santa', 'Baiba', 'Ieva', 'Marta', 'Anete', 'Ērika', 'Māra', 'Rūta', 'Velta', 'Gunta', 'Dzintra', 'Ināra',
      'Sarmīte', 'Gaļina', 'Ance', 'Katrīna', 'Alise', 'Sniedze', 'Žanete', 'Aija',
    ],
  },
  familyNames: [
    { male: 'Bērziņš', female: 'Bērziņa' }, { male: 'Kalniņš', female: 'Kalniņa' }, { male: 'Ozoliņš', female: 'Ozoliņa' },
    { male: 'Jansons', female: 'Jansone' }, { male: 'Ozols', female: 'Ozola' }, { male: 'Liepiņš', female: 'Liepiņa' },
    { male: 'Krūmiņš', female: 'Krūmiņa' }, { male: 'Balodis', female: 'Balode' }, { male: 'Eglītis', female: 'Eglīte' },
    { male: 'Zariņš', female: 'Zariņa' }, { male: 'Pētersons', female: 'Pētersone' }, { male: 'Vītols', female: 'Vītola' },
    { male: 'Kļaviņš', female: 'Kļaviņa' }, { male: 'Kārkliņš', female: 'Kārkliņa' }, { male: 'Vanags', female: 'Vanaga' },
    { male: 'Jākobsons', female: 'Jākobsone' }, { male: 'Lapiņš', female: 'Lapiņa' }, { male: 'Krastiņš', female: 'Krastiņa' },
    { male: 'Siliņš', female: 'Siliņa' }, { male: 'Āboliņš', female: 'Āboliņa' }, { male: 'Kalējs', female: 'Kalēja' },
    { male: 'Ķēniņš', female: 'Ķēniņa' }, { male: 'Šmits', female: 'Šmite' }, { male: 'Žagars', female: 'Žagare' },
    { male: 'Gailis', female: 'Gaile' }, { male: 'Grīnbergs', female: 'Grīnberga' }, { male: 'Strautiņš', female: 'Strautiņa' },
    { male: 'Dzenis', female: 'Dzene' }, { male: 'Lācis', female: 'Lāce' }, { male: 'Ķiploks', female: 'Ķiploka' },
    { male: 'Rozenbergs', female: 'Rozenberga' }, { male: 'Cīrulis', female: 'Cīrule' }, { male: 'Čakste', female: 'Čakste' },
    { male: 'Zvaigzne', female: 'Zvaigzne' }, { male: 'Priede', female: 'Priede' }, { male: 'Mežals', female: 'Mežale' },
    { male: 'Šulcs', female: 'Šulca' }, { male: 'Ērglis', female: 'Ērgle' }, { male: 'Freimanis', female: 'Freimane' },
  ],
  emailDomains: ['inbox.lv', 'gmail.com', 'apollo.lv', 'tvnet.lv', 'one.lv', 'outlook.com', 'mail.lv'],
  companyNames: [
    () => 'SIA "Ziemeļu Transports"',
    () => 'SIA "Baltijas Piegādes"',
    () => 'SIA "Kurzemes Būvnieks"',
    () => 'SIA "Daugavas Serviss"',
    () => 'SIA "Zaļā Dārzniecība"',
    () => 'SIA "Vidzemes Mežs"',
    () => 'AS "Latgales Maiznīca"',
    (_family, city) => `SIA "${city} Taksometri"`,
    (family) => `SIA "${family} un partneri"`,
    (family) => `IK "${family}"`,
    () => 'SIA "Ķekavas Loģistika"',
  ],
  companyDomain: 'lv',
  fleetMailbox: 'autoparks',
};

export const denmark: CountryData = {
  country: 'DK',
  language: 'da',
  givenNames: {
    male: [
      'Søren', 'Jørgen', 'Bjørn', 'Anders', 'Mads', 'Rasmus', 'Henrik', 'Niels', 'Jens', 'Lars', 'Morten', 'Mikkel',
      'Frederik', 'Kasper', 'Jesper', 'Ove', 'Bent', 'Børge', 'Jørn', 'Asbjørn', 'Thorkild', 'Poul', 'Erik', 'Christian',
      'Magnus', 'Emil', 'Oliver', 'Villads', 'Halfdan', 'Bo',
    ],
    female: [
      'Mette', 'Hanne', 'Birgitte', 'Kirsten', 'Signe', 'Ida', 'Freja', 'Sofie', 'Maja', 'Anne', 'Lærke', 'Åse',
      'Jytte', 'Bodil', 'Karen', 'Tove', 'Grethe', 'Søs', 'Astrid', 'Ellen', 'Mathilde', 'Clara', 'Rigmor', 'Dorthe',
      'Sørine', 'Helle', 'Gudrun', 'Bente', 'Line', 'Marianne',
    ],
  },
  familyNames: same(
    'Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen',
    'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Christiansen', 'Poulsen', 'Johansen',
    'Møller', 'Mortensen', 'Knudsen', 'Jakobsen', 'Mikkelsen', 'Olesen', 'Frederiksen', 'Laursen', 'Henriksen', 'Lund',
    'Holm', 'Kjær', 'Bøgh', 'Dahl', 'Lauridsen', 'Søndergaard', 'Østergaard', 'Vestergaard', 'Nørgaard', 'Bækgaard',
    'Højgaard', 'Skov', 'Friis', 'Brøndum', 'Kjærgaard', 'Dalsgård', 'Ågaard', 'Løkke', 'Bæk', 'Thygesen', 'Krøyer',
  ),
  emailDomains: ['gmail.com', 'hotmail.dk', 'mail.dk', 'outlook.dk', 'jubii.dk', 'youmail.dk', 'live.dk'],
  companyNames: [
    (family) => `${family} Transport ApS`,
    () => 'Jysk Tømrerfirma A/S',
    () => 'Østjysk VVS ApS',
    (family) => `${family}s Blomster ApS`,
    (_family, city) => `${city} Rengøring ApS`,
    (family) => `${family} & Søn A/S`,
    () => 'Bøgh Anlæg ApS',
    () => 'Kærgård Mejeri A/S',
    (family) => `Murerfirmaet ${family} ApS`,
    () => 'Ålborg Ål & Fisk ApS',
  ],
  companyDomain: 'dk',
  fleetMailbox: 'flaade',
};

export const countries: Readonly<Record<DemoCountry, CountryData>> = { DE: germany, LV: latvia, DK: denmark };

const place = (city: string, areaCode: string, postalCodes: string[], streets: string[]): Locality => ({ city, areaCode, postalCodes, streets });

/** Where the customers of each dealer live: its city's districts and the towns around it. */
export const dealerLocalities: Readonly<Record<'dealer-berlin' | 'dealer-munich' | 'dealer-riga' | 'dealer-aarhus', readonly Locality[]>> = {
  'dealer-berlin': [
    place('Berlin', '030', ['10115', '10117', '10119'], ['Torstraße', 'Friedrichstraße', 'Chausseestraße', 'Invalidenstraße', 'Linienstraße', 'Brunnenstraße']),
    place('Berlin', '030', ['10405', '10435', '10437'], ['Schönhauser Allee', 'Kastanienallee', 'Greifswalder Straße', 'Stargarder Straße', 'Dunckerstraße', 'Prenzlauer Allee']),
    place('Berlin', '030', ['10243', '10245', '10247'], ['Karl-Marx-Allee', 'Frankfurter Allee', 'Boxhagener Straße', 'Warschauer Straße', 'Simon-Dach-Straße', 'Grünberger Straße']),
    place('Berlin', '030', ['10961', '10997', '10999'], ['Bergmannstraße', 'Oranienstraße', 'Gneisenaustraße', 'Wiener Straße', 'Skalitzer Straße', 'Köpenicker Straße']),
    place('Berlin', '030', ['12043', '12045', '12047'], ['Sonnenallee', 'Karl-Marx-Straße', 'Weserstraße', 'Hermannstraße', 'Pannierstraße']),
    place('Berlin', '030', ['10777', '10823', '10827'], ['Hauptstraße', 'Akazienstraße', 'Goltzstraße', 'Martin-Luther-Straße', 'Motzstraße', 'Gleditschstraße']),
    place('Berlin', '030', ['10585', '10623', '10627'], ['Kantstraße', 'Wilmersdorfer Straße', 'Kurfürstendamm', 'Bismarckstraße', 'Giesebrechtstraße', 'Leibnizstraße']),
    place('Berlin', '030', ['12555', '12557'], ['Bahnhofstraße', 'Grünstraße', 'Müggelheimer Straße', 'Alt-Köpenick', 'Seelenbinderstraße']),
    place('Berlin', '030', ['13581', '13583', '13597'], ['Breite Straße', 'Carl-Schurz-Straße', 'Seegefelder Straße', 'Falkenseer Chaussee', 'Klosterstraße']),
    place('Berlin', '030', ['13086', '13088'], ['Berliner Allee', 'Langhansstraße', 'Große Seestraße', 'Charlottenburger Straße']),
    place('Potsdam', '0331', ['14467', '14469', '14482'], ['Brandenburger Straße', 'Friedrich-Ebert-Straße', 'Zeppelinstraße', 'Großbeerenstraße', 'Jägerallee']),
    place('Oranienburg', '03301', ['16515'], ['Bernauer Straße', 'Lehnitzstraße', 'Sachsenhausener Straße']),
    place('Königs Wusterhausen', '03375', ['15711'], ['Bahnhofstraße', 'Schloßstraße', 'Karl-Liebknecht-Straße']),
    place('Falkensee', '03322', ['14612'], ['Spandauer Straße', 'Bahnhofstraße', 'Dallgower Straße']),
  ],
  'dealer-munich': [
    place('München', '089', ['80331', '80538'], ['Sendlinger Straße', 'Maximilianstraße', 'Tal', 'Thierschstraße']),
    place('München', '089', ['80796', '80799', '80801', '80803'], ['Leopoldstraße', 'Türkenstraße', 'Hohenzollernstraße', 'Kurfürstenstraße', 'Schleißheimer Straße', 'Belgradstraße']),
    place('München', '089', ['80333', '80335'], ['Augustenstraße', 'Gabelsbergerstraße', 'Schellingstraße', 'Theresienstraße']),
    place('München', '089', ['80634', '80636', '80637'], ['Nymphenburger Straße', 'Landshuter Allee', 'Donnersbergerstraße', 'Blutenburgstraße', 'Volkartstraße']),
    place('München', '089', ['81369', '81371', '81373'], ['Lindwurmstraße', 'Plinganserstraße', 'Implerstraße', 'Daiserstraße']),
    place('München', '089', ['81667', '81669', '81675'], ['Rosenheimer Straße', 'Weißenburger Straße', 'Preysingstraße', 'Wörthstraße', 'Einsteinstraße']),
    place('München', '089', ['81539', '81541', '81543'], ['Tegernseer Landstraße', 'Martin-Luther-Straße', 'Werinherstraße', 'Säbener Straße']),
    place('München', '089', ['81925', '81927'], ['Ismaninger Straße', 'Oberföhringer Straße', 'Cosimastraße', 'Englschalkinger Straße']),
    place('München', '089', ['81241', '81243'], ['Landsberger Straße', 'Gleichmannstraße', 'Bodenseestraße', 'Planegger Straße']),
    place('Augsburg', '0821', ['86150', '86152', '86153'], ['Maximilianstraße', 'Karolinenstraße', 'Jakoberstraße', 'Haunstetter Straße']),
    place('Freising', '08161', ['85354', '85356'], ['Obere Hauptstraße', 'Untere Hauptstraße', 'Münchner Straße']),
    place('Rosenheim', '08031', ['83022', '83024'], ['Münchener Straße', 'Kufsteiner Straße', 'Ebersberger Straße']),
    place('Dachau', '08131', ['85221'], ['Münchner Straße', 'Augsburger Straße', 'Schleißheimer Straße', 'Konrad-Adenauer-Straße']),
    place('Fürstenfeldbruck', '08141', ['82256'], ['Hauptstraße', 'Schöngeisinger Straße', 'Münchner Straße']),
    place('Garmisch-Partenkirchen', '08821', ['82467'], ['Ludwigstraße', 'Zugspitzstraße', 'Bahnhofstraße']),
  ],
  'dealer-riga': [
    place('Rīga', '67', ['LV-1010', 'LV-1011', 'LV-1050'], ['Brīvības iela', 'Elizabetes iela', 'Krišjāņa Barona iela', 'Tērbatas iela', 'Dzirnavu iela', 'Ģertrūdes iela', 'Lāčplēša iela', 'Aleksandra Čaka iela', 'Marijas iela']),
    place('Rīga', '67', ['LV-1050'], ['Šķūņu iela', 'Kaļķu iela', 'Smilšu iela', 'Jēkaba iela']),
    place('Rīga', '67', ['LV-1002', 'LV-1046'], ['Mārupes iela', 'Nometņu iela', 'Kalnciema iela', 'Slokas iela']),
    place('Rīga', '67', ['LV-1084', 'LV-1035'], ['Dzelzavas iela', 'Ieriķu iela', 'Vaidavas iela', 'Andreja Saharova iela', 'Ūnijas iela']),
    place('Rīga', '67', ['LV-1067', 'LV-1069'], ['Kurzemes prospekts', 'Anniņmuižas bulvāris', 'Zolitūdes iela', 'Kleistu iela']),
    place('Rīga', '67', ['LV-1063', 'LV-1058'], ['Ķengaraga iela', 'Maskavas iela', 'Prūšu iela', 'Lomonosova iela']),
    place('Rīga', '67', ['LV-1006', 'LV-1039'], ['Brīvības gatve', 'Ropažu iela', 'Zemitāna iela', 'Juglas iela']),
    place('Jūrmala', '67', ['LV-2015', 'LV-2010'], ['Jomas iela', 'Dzintaru prospekts', 'Turaidas iela', 'Kāpu iela']),
    place('Jelgava', '63', ['LV-3001', 'LV-3002'], ['Lielā iela', 'Katoļu iela', 'Akadēmijas iela', 'Zemgales prospekts']),
    place('Ogre', '65', ['LV-5001'], ['Brīvības iela', 'Rīgas iela', 'Mālkalnes prospekts']),
    place('Sigulda', '67', ['LV-2150'], ['Pils iela', 'Ausekļa iela', 'Gaujas iela']),
    place('Valmiera', '64', ['LV-4201'], ['Rīgas iela', 'Cēsu iela', 'Beātes iela']),
    place('Cēsis', '64', ['LV-4101'], ['Raunas iela', 'Rīgas iela', 'Lenču iela']),
    place('Salaspils', '67', ['LV-2121'], ['Rīgas iela', 'Skolas iela', 'Dienvidu iela']),
    place('Ķekava', '67', ['LV-2123'], ['Rīgas iela', 'Gaismas iela', 'Nākotnes iela']),
    place('Mārupe', '67', ['LV-2167'], ['Daugavas iela', 'Mazcenu aleja', 'Tīraines iela']),
  ],
  'dealer-aarhus': [
    place('Aarhus C', '86', ['8000'], ['Søndergade', 'Frederiks Allé', 'Åboulevarden', 'Vestergade', 'Nørregade', 'Jægergårdsgade', 'Klostergade', 'Ryesgade', 'Mejlgade', 'Guldsmedgade']),
    place('Aarhus N', '86', ['8200'], ['Randersvej', 'Trøjborgvej', 'Tordenskjoldsgade', 'Finlandsgade', 'Nøjsomhedsvej']),
    place('Aarhus V', '86', ['8210'], ['Silkeborgvej', 'Vestre Ringgade', 'Viborgvej', 'Hasle Ringvej']),
    place('Viby J', '86', ['8260'], ['Skanderborgvej', 'Søndervangs Allé', 'Kongsvangs Allé', 'Ørneredevej']),
    place('Højbjerg', '86', ['8270'], ['Holme Byvej', 'Oddervej', 'Rundhøjvej', 'Skovbrynet', 'Ærøvej']),
    place('Risskov', '86', ['8240'], ['Grenåvej', 'Fortevej', 'Nordre Strandvej', 'Ravnsøvej']),
    place('Åbyhøj', '86', ['8230'], ['Åby Ringvej', 'Bispehavevej', 'Jernaldervej', 'Søren Frichs Vej']),
    place('Egå', '86', ['8250'], ['Skæring Strandvej', 'Egå Strandvej', 'Bøgeskovvej']),
    place('Silkeborg', '86', ['8600'], ['Vestergade', 'Søndergade', 'Borgergade', 'Nygade']),
    place('Randers C', '86', ['8900'], ['Storegade', 'Vestergade', 'Østervold', 'Jernbanegade']),
    place('Skanderborg', '86', ['8660'], ['Adelgade', 'Vestergade', 'Grønnedalsvej']),
    place('Horsens', '75', ['8700'], ['Søndergade', 'Fussingsvej', 'Allégade', 'Ålykkevej']),
    place('Odder', '86', ['8300'], ['Rosensgade', 'Banegårdsgade', 'Skovdalsvej']),
    place('Ebeltoft', '86', ['8400'], ['Adelgade', 'Nørre Allé', 'Østerallé']),
    place('Grenaa', '86', ['8500'], ['Storegade', 'Østerbrogade', 'Kærvej']),
  ],
};

/** Names of the contact center agents and dealer staff who appear as activity actors. */
export const staffNames: Readonly<Record<'ic-baltic' | 'ic-nordic' | 'dealer-berlin' | 'dealer-munich' | 'dealer-riga' | 'dealer-aarhus', readonly string[]>> = {
  'ic-baltic': ['Līga Ozola', 'Mārtiņš Kalniņš', 'Inese Vītola', 'Kristaps Eglītis', 'Olga Ivanova', 'Elīna Siliņa', 'Dāvis Zariņš', 'Anete Lāce'],
  'ic-nordic': ['Mette Sørensen', 'Jesper Kjær', 'Signe Dahl', 'Rasmus Bøgh', 'Åse Lund', 'Mikkel Østergaard'],
  'dealer-berlin': ['Thomas Weber (Service)', 'Sabine Krüger (Verkauf)', 'Jörg Schäfer (Werkstatt)', 'Franziska Lüdtke (Empfang)'],
  'dealer-munich': ['Stefan Huber (Service)', 'Maren Gößling (Verkauf)', 'Götz Brückner (Werkstatt)', 'Lena Weiß (Empfang)'],
  'dealer-riga': ['Edgars Ozols (Serviss)', 'Zane Krūmiņa (Pārdošana)', 'Aivars Šmits (Darbnīca)', 'Ilze Čakste (Reģistratūra)'],
  'dealer-aarhus': ['Henrik Møller (Service)', 'Lærke Nørgaard (Salg)', 'Bjørn Højgaard (Værksted)', 'Tove Bæk (Reception)'],
};
