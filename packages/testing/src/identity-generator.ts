import { seededRandom } from './generate';
import type { IdentityRecordLike } from './identity-datasets';

/** Options of {@link generateIdentities} and {@link syntheticIdentities}. */
export interface GenerateIdentitiesOptions {
  /** Number of distinct people (true entities) to generate. */
  entities: number;
  /** Seed of the pseudo-random generator; the same seed gives the same records. Default 1. */
  seed?: number;
  /** Source names, cycled over the copies of each person. Default `['hubspot', 'salesforce', 'dynamics']`. */
  sources?: readonly string[];
  /**
   * Extra records per person: k in 0..max, drawn from a truncated geometric distribution with the given mean.
   * Default mean 0.6, max 5.
   */
  duplicates?: { mean?: number; max?: number };
}

/** One generated record with its true entity (`e<n>`), which a matcher must not see. */
export interface GeneratedIdentity {
  /** The record: id `p<n>` in emission order, a source, and (distorted) person fields. */
  record: IdentityRecordLike;
  /** The true person the record describes. */
  entity: string;
}

/** Generated records with their ground truth; see {@link syntheticIdentities}. */
export interface SyntheticIdentities {
  /** The records in emission order. */
  records: IdentityRecordLike[];
  /** Record id -> true entity id. */
  entityOf: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Pools. Each origin has its own given and family names; people mostly combine names of one origin.

function words(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const word = part.trim();
    if (word !== '') out.push(word);
  }
  return out;
}

const DUTCH_ROOTS =
  words(`Berg, Dijk, Heuvel, Broek, Bosch, Brink, Linden, Meer, Veen, Wal, Laan, Horst, Velde, Pol, Hoek,
  Wetering, Zande, Hulst, Beek, Molen, Kamp, Sluis, Steen, Vliet, Donk, Akker, Heijden, Leeuw, Bergh, Burg, Weerd, Haven,
  Water, Kooij, Putten, Ploeg, Ven, Ende, Hout, Leur, Schoot, Wiel, Graaf, Velden, Meulen, Werf, Bilt, Goor, Rijt, Vaart`);
const DUTCH_PARTICLES = ['van', 'van de', 'van der', 'van den', 'de', 'ter', 'van het', 'te'];

interface Origin {
  weight: number;
  given: string[];
  family: string[];
}

const ORIGINS: Origin[] = [
  {
    weight: 62,
    given: words(`Jan, Pieter, Johannes, Hendrik, Cornelis, Willem, Gerrit, Jacobus, Dirk, Klaas, Kees, Henk, Piet, Wim,
      Joost, Bas, Bram, Daan, Sem, Lucas, Levi, Finn, Jesse, Milan, Thijs, Ruben, Stijn, Lars, Tim, Sven, Niels, Koen,
      Jeroen, Maarten, Martijn, Bart, Sander, Dennis, Erik, Marco, Mark, Rick, Robin, Roy, Wouter, Arjen, Arie, Gijs,
      Hidde, Jelle, Joep, Jurre, Luuk, Mees, Olivier, Pim, Quinten, Ruud, Siebe, Teun, Tijmen, Vincent, Wessel, Bert,
      Frits, Gert, Harm, Jaap, Joris, Kasper, Laurens, Maurits, Reinier, Rutger, Sjoerd, Tjeerd, Wiebe, Frank, Hans,
      Peter, Paul, Rob, Theo, Ton, Cor, Ad, Arnold, Gerard, Hubert, Jos, Leo, René, Adrianus, Abraham, Antonius,
      Franciscus, Gerardus, Nicolaas, Petrus, Theodorus, Wilhelmus, Alexander, Christiaan, Michiel, Floris, Hugo,
      Jasper, Job, Noud, Ties, Sietse, Douwe, Freek, Geert, Huub, Ids, Kick, Lieven, Menno, Otto, Stan,
      Maria, Anna, Johanna, Cornelia, Wilhelmina, Elisabeth, Catharina, Hendrika, Geertruida, Margaretha, Sanne, Anouk,
      Lotte, Femke, Fleur, Iris, Julia, Lisa, Emma, Sophie, Tess, Sara, Eva, Noor, Lieke, Roos, Isa, Fenna, Jasmijn,
      Maud, Nina, Esther, Ingrid, Karin, Monique, Marieke, Mieke, Annemarie, Anneke, Astrid, Bianca, Carla, Daphne,
      Ellen, Els, Floor, Gerda, Hanneke, Ilse, Inge, Janneke, Joke, Kim, Linda, Lies, Marjolein, Mirjam, Nienke, Petra,
      Renske, Saskia, Sylvia, Tineke, Ria, Wendy, Yvonne, Zoë, Willemijn, Marloes, Merel, Evi, Fenne, Lynn, Yara,
      Veerle, Liv, Mila, Saar, Loïs, Elin, Hanna, Marijke, Annelies, Brechtje, Dieuwke, Froukje, Geertje, Hester, Jantine,
      Klaartje, Lonneke, Margriet, Nynke, Rianne, Sietske, Trijntje, Wietske, Aafke, Ankie, Dorien, Eline, Jolien`),
    family: [
      ...words(`de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, de Boer, Mulder,
        de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, Dijkstra, Smits, de Graaf,
        van der Meer, van der Linden, Kok, Jacobs, de Haan, Vermeulen, van den Heuvel, van der Veen, van den Broek,
        de Bruijn, de Bruin, van der Heijden, Schouten, van Beek, Willems, van Vliet, van de Ven, Hoekstra, Maas,
        Verhoeven, Koster, van Dam, van der Wal, Prins, Blom, Huisman, Peeters, de Jonge, Kuipers, van Veen, Post,
        Kuiper, Veenstra, Kramer, van den Brink, Scholten, van Wijk, Postma, Martens, Vink, de Ruiter, Timmermans, Groen,
        Gerritsen, Jonker, van Loon, Boer, van der Velde, Willemsen, Smeets, de Lange, de Vos, Bosch, van Dongen,
        Schipper, de Koning, van der Laan, Koning, van der Velden, Driessen, van Doorn, Hermans, Evers, van den Bosch,
        van der Meulen, Hofman, Bosman, Wolters, Sanders, van der Horst, Mol, Kuijpers, Molenaar, van de Pol, de Leeuw,
        Verbeek, Bouwman, Brink, Claassen, Dam, Dirks, Elzinga, Faber, Geurts, Haverkamp, Hoogendoorn, Hoekman, Jongsma,
        Kamphuis, Kemper, Klaassen, Kloosterman, Koopman, Kroon, Lammers, Langeveld, Luijten, Meijerink, Mertens,
        Nieuwenhuis, Noordhuis, Oosterhuis, Otten, Pauwels, Pronk, Raaijmakers, Reinders, Rietveld, Roelofs, Rutten,
        Schaap, Schreurs, Sinke, Sluiter, Spijker, Steenbergen, Stam, Stolk, Swart, Teunissen, Tijssen, Uijttenbroek,
        Veldhuis, Verbruggen, Verhagen, Verkerk, Vermeer, Verschoor, Vonk, Vriens, Wagenaar, Westerhof, Wouters, Zijlstra,
        Zwart, Zuidema, Bergsma, Boersma, Brouwers, Cremers, Damen, Dekkers, Eijkelenboom, Feenstra, Gijsbers, Haak,
        Heijnen, Hoving, Ijzerman, Joosten, Keizer, Knol, Kooistra, Kuijper, Leenders, Lubbers, Mathijssen, Meester,
        Nijboer, Nijenhuis, Oude Groeniger, Overbeek, Paulusma, Plas, Ramaekers, Rijnders, Roos, Salomons, Schut,
        Siebenga, Slot, Snijders, Staal, Stegeman, Terpstra, Tuinstra, Valk, Veldman, Verweij, Visscher, Vlietstra,
        Vrieling, Wijnands, Zandstra, ten Cate, ten Brink, ter Haar, ter Horst, op de Beek, in 't Veld, van 't Hof,
        van 't Wout, Oud, Vis, Haan, Hoek, Bruins, Mooij, Sijbrandij, Tromp, Wijnberg, Wever, IJsseldijk`),
      ...DUTCH_PARTICLES.flatMap((particle) => DUTCH_ROOTS.map((root) => `${particle} ${root}`)),
    ],
  },
  {
    weight: 5,
    given: words(`James, John, Robert, Michael, William, David, Richard, Joseph, Thomas, Charles, Christopher, Daniel,
      Matthew, Anthony, Andrew, Joshua, Kevin, Brian, George, Edward, Ryan, Jacob, Gary, Nicholas, Eric, Jonathan,
      Stephen, Justin, Scott, Brandon, Benjamin, Samuel, Patrick, Jack, Oliver, Harry, Charlie, Alfie, Freddie, Mary,
      Patricia, Jennifer, Elizabeth, Barbara, Susan, Jessica, Sarah, Karen, Nancy, Margaret, Sandra, Ashley, Emily,
      Donna, Michelle, Dorothy, Carol, Amanda, Melissa, Deborah, Stephanie, Rebecca, Laura, Sharon, Kathleen, Amy,
      Helen, Olivia, Amelia, Isla, Ava, Grace, Lily, Chloe, Ella, Sinéad, Siobhán, Aoife, Seán, Niamh`),
    family: words(`Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts, Robinson,
      Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris, Clarke, Patel, Jackson, Wood, Turner,
      Martin, Cooper, Hill, Ward, Morris, Moore, Clark, Lee, King, Baker, Harrison, Morgan, Allen, James, Scott,
      Phillips, Watson, Davis, Parker, Price, Bennett, Young, Griffiths, Mitchell, Kelly, Cook, Carter, Richardson,
      Bailey, Collins, Bell, Shaw, Murphy, Miller, Cox, Richards, Khan, Marshall, Anderson, Simpson, Ellis, Adams,
      Wilkinson, Foster, Chapman, Powell, Webb, Rogers, Gray, Mason, Hunt, Campbell, Matthews, Owen, Palmer, Holmes,
      Mills, Barnes, Knight, Lloyd, Butler, Russell, Barker, Fisher, Stevens, Jenkins, Murray, Dixon, Harvey, O'Brien,
      O'Connor, McCarthy, MacDonald, O'Neill`),
  },
  {
    weight: 5,
    given: words(`Klaus, Jürgen, Günter, Dieter, Wolfgang, Uwe, Stefan, Andreas, Markus, Matthias, Sebastian, Tobias,
      Florian, Maximilian, Felix, Leon, Lukas, Jonas, Ben, Elias, Jörg, Björn, Sönke, Anke, Birgit, Brigitte, Claudia,
      Gabriele, Heike, Ursula, Renate, Monika, Sabine, Stefanie, Katrin, Lena, Leonie, Hannah, Mia, Emilia, Marie,
      Käthe, Jutta, Dörte, Friedrich, Karl-Heinz, Hans-Peter, Annegret`),
    family: words(`Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch,
      Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann, Lange,
      Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Köhler, Huber, Kaiser, Fuchs, Lang, Scholz, Möller, Weiß, Jung,
      Hahn, Vogel, Friedrich, Keller, Günther, Berger, Winkler, Roth, Beck, Lorenz, Baumann, Franke, Albrecht, Schuster,
      Simon, Ludwig, Böhm, Winter, Kraus, Martin, Schumacher, Krämer, Vogt, Stein, Jäger, Otto, Sommer, Groß, Seidel,
      Heinrich, Brandt, Haas, Schreiber, Graf, Schulte, Dietrich, Ziegler, Kuhn, Kühn, Pohl, Engel, Horn, Busch,
      Bergmann, Thomas, Voigt, Sauer, Arnold, Wolff, Pfeiffer`),
  },
  {
    weight: 3,
    given: words(`Jean, Pierre, Michel, André, Philippe, Alain, Jacques, Bernard, François, Nicolas, Julien, Antoine,
      Sébastien, Christophe, Mathieu, Louis, Gabriel, Raphaël, Arthur, Théo, Émile, Nathalie, Isabelle, Sylvie,
      Catherine, Françoise, Valérie, Sandrine, Céline, Camille, Chloé, Léa, Manon, Inès, Anaïs, Hélène, Élodie, Aurélie,
      Margaux, Juliette, Louise, Noémie, Jean-Luc, Marie-Claire, Anne-Sophie`),
    family: words(`Martin, Bernard, Dubois, Petit, Durand, Leroy, Moreau, Laurent, Lefebvre, Michel, David, Bertrand,
      Roux, Vincent, Fournier, Morel, Girard, André, Lefèvre, Mercier, Dupont, Lambert, Bonnet, François, Legrand,
      Garnier, Faure, Rousseau, Blanc, Guérin, Muller, Henry, Roussel, Nicolas, Perrin, Morin, Mathieu, Clément,
      Gauthier, Dumont, Fontaine, Chevalier, Robin, Masson, Sanchez, Boyer, Denis, Lemaire, Duval, Joly, Gautier,
      Roger, Roche, Roy, Noël, Meyer, Lucas, Meunier, Jean, Pérez, Marchand, Dufour, Blanchard, Brun, Gaillard, Barbier,
      Arnaud, Martinez, Giraud, Brunet, Schmitt, Colin, Vidal, Caron, Picard, Le Gall, Le Roux, De Smet, Claes, Peeters,
      Goossens, Wouters, Maes, Jacobs, Mertens, Willems, Janssens, Vandenberghe, Vermeersch`),
  },
  {
    weight: 3,
    given: words(`José, Antonio, Manuel, Francisco, Juan, Javier, Jesús, Carlos, Miguel, Alejandro, Rafael, Pablo,
      Sergio, Jorge, Alberto, Álvaro, Diego, Adrián, Raúl, Iván, Rubén, Óscar, Andrés, Carmen, Ana, Isabel, Dolores,
      Pilar, Teresa, Rosa, Cristina, Lucía, Marta, Elena, Paula, Sofía, Alba, Nuria, Raquel, Beatriz, Mercedes, Rocío,
      João, Tiago, Gonçalo, Inês, Beatriz`),
    family:
      words(`García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz,
      Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres, Domínguez, Vázquez, Ramos,
      Gil, Ramírez, Serrano, Blanco, Molina, Morales, Suárez, Ortega, Delgado, Castro, Ortiz, Rubio, Marín, Sanz, Núñez,
      Iglesias, Medina, Garrido, Cortés, Castillo, Santos, Lozano, Guerrero, Cano, Prieto, Méndez, Cruz, Calvo,
      Gallego, Vidal, León, Márquez, Herrera, Peña, Flores, Cabrera, Campos, Vega, Fuentes, Carrasco, Diez, Caballero,
      Reyes, Nieto, Aguilar, Pascual, Santana, Herrero, Lorenzo, Hidalgo, Montero, Ibáñez, Silva, Ferreira, Pereira,
      Oliveira, Costa, Rodrigues, Sousa, Gonçalves`),
  },
  {
    weight: 7,
    given: words(`Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, İsmail, Osman, Yusuf, Murat, Ömer, Ramazan,
      Halil, Süleyman, Emre, Burak, Kemal, Serkan, Volkan, Cem, Can, Eren, Fatma, Ayşe, Emine, Hatice, Zeynep, Elif,
      Meryem, Şerife, Zehra, Sultan, Hanife, Merve, Esra, Büşra, Derya, Gül, Özlem, Selin, Ebru, Aylin, Deniz, Yasemin,
      Tuğba, Gökhan, Uğur, Onur, Kübra`),
    family: words(`Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, Doğan, Kılıç,
      Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Korkmaz, Karataş, Erdoğan, Güneş, Akın, Aktaş, Bulut, Keskin,
      Ünal, Tekin, Kaplan, Bozkurt, Avcı, Uçar, Yavuz, Sarı, Güler, Yücel, Acar, Başaran, Tunç, Erdem, Coşkun, Kocabaş,
      Altun, Turan, Gündoğdu, Bayram, Ateş`),
  },
  {
    weight: 8,
    given: words(`Mohamed, Mohammed, Ahmed, Youssef, Said, Rachid, Abdel, Abdelkader, Hassan, Hicham, Karim, Khalid,
      Mustapha, Nordin, Omar, Redouan, Samir, Tarik, Yassine, Zakaria, Bilal, Anouar, Ayoub, Ilias, Soufiane, Adam,
      Mehdi, Hamza, Marouane, Driss, Fatima, Khadija, Aicha, Malika, Naima, Samira, Nadia, Latifa, Hafsa, Salma, Yasmina,
      Imane, Ikram, Houda, Loubna, Siham, Souad, Zineb, Hajar, Nora, Rania, Asmae, Oumaima, Btissam`),
    family: words(`El Amrani, El Idrissi, Benali, Bouzid, El Khatib, Amrani, Bennani, Tahiri, Alaoui, El Ouali, Azzouzi,
      Boukhari, Chaoui, El Hamdaoui, Zerrouki, Ouali, Haddou, Belhaj, Lahlou, Mansouri, Ait Ali, Ait Ouahmane, Bakkali,
      El Bouazzaoui, Ziani, Aboutaleb, Marzouki, Oulad Ali, Essafi, El Yousfi, Boulahrouz, Chakir, El Hadji, Benaissa,
      Achahbar, Bouchtaoui, Abdellaoui, Ahmadi, Azough, Bouzerda, El Fassi, El Mokadem, Hamdi, Jaber, Kaddouri,
      Kharbouch, Moussaoui, Naciri, Ouahabi, Rahmouni, Saidi, Tahri, Touzani, Zaouiya, El Kaddouri, Haddaoui,
      Benchikhi, Ouchan, Azarkan, Bouhafs`),
  },
  {
    weight: 7,
    given:
      words(`Priya, Ravi, Anil, Sunita, Ranjit, Shanti, Radj, Kiran, Wiktor, Piotr, Krzysztof, Agnieszka, Katarzyna,
      Małgorzata, Tomasz, Paweł, Andrzej, Magdalena, Joanna, Dewi, Budi, Sri, Putri, Wei, Ming, Hui, Kwame, Kofi, Ama,
      Abena, Giuseppe, Giovanni, Luca, Francesca, Giulia, Chiara, Alessandro, Lorenzo, Matteo, Sofia, Ioannis,
      Dimitris, Eleni, Nikos, Olga, Irina, Natasha, Dmitri, Sergei, Anastasia, Svetlana, Aleksandr, Tenzin, Amir, Reza,
      Leila, Dariush, Shirin, Hamid, Aziz, Yonas, Selam, Tesfaye, Ngozi, Chinedu, Thanh, Linh, Hoang, Mai`),
    family:
      words(`Ramdin, Soekhai, Jagesar, Ramautar, Mahabier, Sewdien, Ramlal, Kartosen, Wongsodikromo, Sastrodimedjo,
      Pinas, Kromodimedjo, Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński,
      Szymański, Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Nguyen, Tran, Le,
      Pham, Wang, Zhang, Liu, Chen, Yang, Huang, Papadopoulos, Ivanov, Petrov, Kuznetsov, Hosseini, Rezaei, Mohammadi,
      Karimi, Tesfay, Haile, Okafor, Mensah, Boateng, Asante, Tjon, Lie, Kho, Tan, Lim, Oei, Liem, Siswadi,
      Pattinama, Latuhihin, Manuputty, Tahapary, Sahertian, Matulessy, Wattimena, Leerdam, Sitaldin, Bhagwandin,
      Baldewsingh, Doekhie, Kalpoe, Autar, Bhoelai, Brunings, Dors, Fernandes, Pengel, Tjin-A-Lim, Sabajo, Nelom,
      Tjong, Kwakman, Zschuschen`),
  },
];

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Given names, all origins, in one array; each origin is a slice [start, end). */
const GIVEN: string[] = [];
const FAMILY: string[] = [];
const GIVEN_RANGE: [number, number][] = [];
const FAMILY_RANGE: [number, number][] = [];
for (const origin of ORIGINS) {
  const g = dedupe(origin.given);
  GIVEN_RANGE.push([GIVEN.length, GIVEN.length + g.length]);
  GIVEN.push(...g);
  const f = dedupe(origin.family);
  FAMILY_RANGE.push([FAMILY.length, FAMILY.length + f.length]);
  FAMILY.push(...f);
}
const ORIGIN_CDF = cumulative(ORIGINS.map((o) => o.weight));

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const NON_LETTERS = /[^a-z]/g;
const SPECIAL_FOLD: Record<string, string> = { ı: 'i', İ: 'I', ł: 'l', Ł: 'L', ß: 'ss', ø: 'o', Ø: 'O' };
const SPECIAL_FOLD_RE = /[ıİłŁßøØ]/g;

/** ASCII folding (module load and rare fallbacks only). */
function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_FOLD_RE, (c) => SPECIAL_FOLD[c] ?? c);
}

function slug(s: string): string {
  return fold(s).toLowerCase().replace(NON_LETTERS, '');
}

const GIVEN_FOLDED = GIVEN.map(fold);
const FAMILY_FOLDED = FAMILY.map(fold);
const GIVEN_SLUG = GIVEN.map(slug);
const FAMILY_SLUG = FAMILY.map(slug);
/** The family name without its particle(s): `van der Berg` -> `Berg` (equal to the name when there is none). */
const FAMILY_CORE: string[] = [];
/** The particle(s) of a family name, or ''. */
const FAMILY_PARTICLE: string[] = [];
const PARTICLE_WORDS = new Set(['van', 'de', 'der', 'den', 'ter', 'ten', 'te', 'het', "'t", 'op', 'in', 'el', 'le']);
for (const name of FAMILY) {
  const parts = name.split(' ');
  let i = 0;
  while (i < parts.length - 1 && PARTICLE_WORDS.has(parts[i]!.toLowerCase())) i++;
  FAMILY_PARTICLE.push(parts.slice(0, i).join(' '));
  FAMILY_CORE.push(parts.slice(i).join(' '));
}
const FAMILY_CORE_SLUG = FAMILY_CORE.map(slug);

const NICKNAMES: Record<string, string[]> = {
  Johannes: ['Jan', 'Hans', 'Johan', 'Joop'],
  Jan: ['Jantje'],
  Hendrik: ['Henk', 'Rik', 'Henny'],
  Cornelis: ['Kees', 'Cor', 'Cees'],
  Willem: ['Wim', 'Pim'],
  Wilhelmus: ['Wim', 'Willem', 'Wil'],
  Jacobus: ['Koos', 'Jaap', 'Sjaak'],
  Petrus: ['Piet', 'Peter'],
  Pieter: ['Piet', 'Peter'],
  Theodorus: ['Theo', 'Dorus'],
  Nicolaas: ['Klaas', 'Niek', 'Nico'],
  Franciscus: ['Frans', 'Sjef'],
  Antonius: ['Toon', 'Anton', 'Ton'],
  Adrianus: ['Arie', 'Adri', 'Janus'],
  Abraham: ['Bram'],
  Gerardus: ['Gerard', 'Gert', 'Sjors'],
  Alexander: ['Alex', 'Sander', 'Lex'],
  Christiaan: ['Chris'],
  Michiel: ['Michel'],
  Maarten: ['Martin'],
  Bartholomeus: ['Bart'],
  Maria: ['Mieke', 'Marieke', 'Ria', 'Mia'],
  Johanna: ['Jo', 'Hanneke', 'Anneke', 'Joke'],
  Cornelia: ['Corrie', 'Cora', 'Nel'],
  Wilhelmina: ['Mien', 'Wil', 'Willy'],
  Elisabeth: ['Els', 'Lies', 'Elise', 'Liesbeth'],
  Catharina: ['Tineke', 'Toos', 'Karin', 'Rina'],
  Hendrika: ['Riek', 'Henny', 'Rika'],
  Geertruida: ['Truus', 'Geertje', 'Trudy'],
  Margaretha: ['Greet', 'Margriet', 'Grietje'],
  Anna: ['Anneke', 'An', 'Annie'],
  Sophie: ['Fie'],
  Robert: ['Rob', 'Bob', 'Robbie'],
  William: ['Will', 'Bill', 'Billy'],
  Michael: ['Mike', 'Mick'],
  Richard: ['Rick', 'Dick', 'Rich'],
  Joseph: ['Joe', 'Joey'],
  Thomas: ['Tom', 'Tommy'],
  Charles: ['Charlie', 'Chuck'],
  Christopher: ['Chris', 'Kit'],
  Daniel: ['Dan', 'Danny'],
  Matthew: ['Matt'],
  Anthony: ['Tony'],
  Andrew: ['Andy', 'Drew'],
  Nicholas: ['Nick'],
  Jonathan: ['Jon'],
  Benjamin: ['Ben'],
  Samuel: ['Sam'],
  Edward: ['Ed', 'Eddie', 'Ted'],
  Elizabeth: ['Liz', 'Beth', 'Betty', 'Lizzy'],
  Margaret: ['Maggie', 'Peggy', 'Meg'],
  Patricia: ['Pat', 'Trish'],
  Jennifer: ['Jen', 'Jenny'],
  Rebecca: ['Becky'],
  Stephanie: ['Steph'],
  Kathleen: ['Kathy', 'Kate'],
  Deborah: ['Debbie', 'Deb'],
  Maximilian: ['Max'],
  Sebastian: ['Basti'],
  Friedrich: ['Fritz'],
  Gabriele: ['Gabi'],
  Stefanie: ['Steffi'],
  Francisco: ['Paco', 'Curro'],
  José: ['Pepe'],
  Antonio: ['Toni'],
  Alejandro: ['Álex'],
  Dolores: ['Lola'],
  Mohammed: ['Mo', 'Mohamed'],
  Mohamed: ['Mo', 'Mohammed'],
  Mustafa: ['Musti'],
  Abdelkader: ['Abdel'],
  Youssef: ['Yusuf'],
  Aicha: ['Aisha'],
  Fatima: ['Fatma'],
  Giuseppe: ['Beppe', 'Peppe'],
  Alessandro: ['Sandro'],
  Aleksandr: ['Sasha'],
  Anastasia: ['Nastya'],
  Dmitri: ['Dima'],
  Katarzyna: ['Kasia'],
  Małgorzata: ['Gosia'],
  Krzysztof: ['Krzys'],
};
const GIVEN_NICKS: (string[] | undefined)[] = GIVEN.map((g) => NICKNAMES[g]);

const STREET_BASES = words(`Kerk, Molen, School, Dorps, Stations, Markt, Haven, Brug, Sluis, Veld, Berg, Bos, Beek,
  Linden, Eiken, Beuken, Wilgen, Populieren, Kastanje, Esdoorn, Berken, Iepen, Platanen, Acacia, Rozen, Tulpen, Lelie,
  Narcissen, Anjer, Seringen, Jasmijn, Hyacinten, Zonnebloem, Klaver, Madeliefjes, Boterbloem, Heide, Duin, Zee,
  Strand, Polder, Akker, Weide, Hoeve, Boeren, Smids, Bakkers, Kuipers, Wevers, Vissers, Schippers, Koopmans, Leeuwen,
  Oranje, Prinses, Koningin, Beatrix, Juliana, Wilhelmina, Emma, Irene, Margriet, Willem, Bernhard, Hendrik, Maurits,
  Frederik, Nassau, Rembrandt, Vermeer, Frans Hals, Jan Steen, Van Gogh, Mondriaan, Vondel, Bilderdijk, Hooft,
  Huygens, Spinoza, Erasmus, Thorbecke, Troelstra, Drees, Schaepman, Kuyper, Multatuli, Tollens, Da Costa, Staring,
  Potgieter, Beets, Wolff, Cats, Marnix, Tesselschade, De Ruyter, Tromp, Piet Hein, Van Speijk, Karel Doorman,
  Van Galen, Evertsen, Kortenaer, Witte de With, Heemskerck, Barentsz, Tasman, Houtman, Merel, Lijster, Vink, Spreeuw,
  Mees, Zwaluw, Kievit, Reiger, Ooievaar, Zwanen, Meeuwen, Uilen, Valken, Havik, Buizerd, Specht, Kraaien, Ekster,
  Roodborst, Winterkoning, Nachtegaal, Leeuwerik, Koekoek, Fazant, Patrijs, Appel, Peren, Kersen, Pruimen, Noten,
  Hazelaar, Vlier, Meidoorn, Hulst, Taxus, Dennen, Sparren, Lariks, Ceder, Olmen, Essen, Elzen, Amsterdamse, Utrechtse,
  Haarlemmer, Leidse, Delftse, Goudse, Rijks, Provinciale, Industrie, Fabrieks, Handels, Ambachts, Nijverheids,
  Kanaal, Vaart, Water, Sloot, Rijn, Maas, Waal, IJssel, Vecht, Amstel, Lek, Schelde, Dommel, Dinkel, Regge, Berkel,
  Grote, Kleine, Lange, Korte, Nieuwe, Oude, Hoge, Lage, Brede, Smalle, Noorder, Zuider, Ooster, Wester, Binnen,
  Buiten, Achter, Voor, Middel, Hof, Burg, Slot, Kasteel, Abdij, Klooster, Kapel, Pastoor, Koster, Dominee,
  Burgemeester Jansen, Burgemeester de With, Dokter Schaepman, Pater, Generaal Foulkes, Kapitein, Admiraal,
  Gravin, Graaf Florens, Jonker, Ridder, Baron, Veen, Turf, Klei, Zand, Grind, Steen, Kalk, Hooi, Graan, Koren, Tarwe,
  Rogge, Gerst, Haver, Vlas, Hennep, Hop, Zuivel, Kaas, Boter, Melk, Vee, Paarden, Schapen, Koeien, Geiten, Vogel,
  Zon, Maan, Sterren, Regenboog, Morgen, Avond, Lente, Zomer, Herfst, Winter, Mercurius, Venus, Mars, Jupiter,
  Saturnus, Pluto, Planeten, Europa, Amerika, Azie, Afrika, Australie, Parijs, Londen, Berlijn, Brussel, Wenen, Rome,
  Madrid, Lissabon, Praag, Oslo`);
const DUTCH_SUFFIXES = ['straat', 'laan', 'weg', 'plein', 'gracht', 'kade', 'singel', 'dijk', 'hof', 'pad', 'dreef'];
const DUTCH_SUFFIX_CDF = cumulative([40, 25, 18, 5, 2, 3, 2, 2, 2, 1, 1]);
const ENGLISH_BASES = words(`Church, Mill, Station, High, Park, King, Queen, Victoria, Green, Bridge, Castle, Manor,
  Orchard, Meadow, Forest, River, Lake, Harbour, Market, Garden, Cedar, Oak, Elm, Maple, Willow, Birch, Chestnut,
  Rose, Spring, Hill, Valley, North, South, West, East, Windsor, Albert, George, Mulberry, Holly`);
const ENGLISH_SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Drive', 'Way', 'Park'];

/** Streets: Dutch compounds (`Kerkstraat`, `Frans Halslaan`) and a minority of English ones (`Church Lane`). */
const STREETS: string[] = dedupe([
  ...STREET_BASES.flatMap((base) => DUTCH_SUFFIXES.map((suffix) => base + suffix)),
  ...ENGLISH_BASES.flatMap((base) => ENGLISH_SUFFIXES.map((suffix) => `${base} ${suffix}`)),
]);
const DUTCH_STREET_COUNT = STREET_BASES.length;
const ENGLISH_STREET_START = STREETS.length - ENGLISH_BASES.length * ENGLISH_SUFFIXES.length;

const PROVINCES: Record<string, string> = {
  NH: 'Noord-Holland',
  ZH: 'Zuid-Holland',
  UT: 'Utrecht',
  NB: 'Noord-Brabant',
  GE: 'Gelderland',
  OV: 'Overijssel',
  LI: 'Limburg',
  FR: 'Friesland',
  GR: 'Groningen',
  DR: 'Drenthe',
  FL: 'Flevoland',
  ZE: 'Zeeland',
};

interface City {
  name: string;
  alt: string | undefined;
  postcodeBase: number;
  postcodeSpan: number;
  province: string;
}

// name[/alternative spelling]|first postcode number|numbers in use (also the weight)|province
const CITY_TABLE = `Amsterdam|1011|90|NH, Haarlem|2011|30|NH, Zaandam|1501|20|NH, Hilversum|1211|13|NH,
  Alkmaar|1811|13|NH, Hoorn|1621|12|NH, Purmerend|1441|15|NH, Amstelveen|1181|8|NH, Hoofddorp|2131|8|NH,
  Den Helder|1781|8|NH, Heerhugowaard|1701|8|NH, Beverwijk|1941|8|NH, IJmuiden|1971|6|NH, Heemskerk|1961|8|NH,
  Enkhuizen|1601|2|NH, Edam|1135|2|NH, Volendam|1131|2|NH, Bussum|1401|6|NH, Huizen|1271|6|NH, Weesp|1381|3|NH,
  Diemen|1111|3|NH, Uithoorn|1421|3|NH, Castricum|1901|2|NH, Schagen|1741|2|NH, Bergen|1861|2|NH,
  Heemstede|2101|6|NH, Zandvoort|2041|2|NH, Badhoevedorp|1171|1|NH, Landsmeer|1121|1|NH,
  Rotterdam|3011|80|ZH, Den Haag/'s-Gravenhage|2491|100|ZH, Leiden|2311|23|ZH, Dordrecht|3311|20|ZH,
  Zoetermeer|2711|25|ZH, Delft|2611|18|ZH, Gouda|2801|10|ZH, Alphen aan den Rijn/Alphen a/d Rijn|2401|10|ZH,
  Schiedam|3111|15|ZH, Vlaardingen|3131|10|ZH, Spijkenisse|3201|10|ZH,
  Capelle aan den IJssel/Capelle a/d IJssel|2901|10|ZH, Rijswijk|2281|8|ZH, Katwijk|2221|6|ZH,
  Gorinchem|4201|5|ZH, Maassluis|3141|4|ZH, Ridderkerk|2981|6|ZH, Barendrecht|2991|4|ZH,
  Hellevoetsluis|3221|4|ZH, Wassenaar|2241|4|ZH, Leidschendam|2261|6|ZH, Voorburg|2271|4|ZH,
  Papendrecht|3351|4|ZH, Zwijndrecht|3331|4|ZH, Noordwijk|2201|4|ZH, Sliedrecht|3361|3|ZH,
  Krimpen aan den IJssel/Krimpen a/d IJssel|2921|3|ZH, Waddinxveen|2741|2|ZH, Nootdorp|2631|1|ZH,
  Pijnacker|2641|3|ZH, Naaldwijk|2671|3|ZH, Hendrik-Ido-Ambacht/H.I. Ambacht|3341|2|ZH, Leiderdorp|2351|3|ZH,
  Oegstgeest|2341|3|ZH, Lisse|2161|3|ZH, Rozenburg|3181|1|ZH,
  Utrecht|3511|75|UT, Amersfoort|3811|24|UT, Nieuwegein|3431|8|UT, Veenendaal|3901|8|UT, Zeist|3701|8|UT,
  IJsselstein|3401|3|UT, Houten|3991|5|UT, Woerden|3441|5|UT, Maarssen|3601|3|UT, Soest|3761|5|UT, Baarn|3741|3|UT,
  De Bilt|3731|2|UT, Bilthoven|3721|3|UT, Leusden|3831|3|UT, Bunnik|3981|1|UT, Vianen|4131|2|UT,
  Mijdrecht|3641|2|UT, Breukelen|3621|1|UT, Rhenen|3911|1|UT, Wijk bij Duurstede/Wijk b. Duurstede|3961|1|UT,
  Eindhoven|5611|47|NB, Tilburg|5011|40|NB, Breda|4811|30|NB, 's-Hertogenbosch/Den Bosch|5211|25|NB,
  Helmond|5701|10|NB, Oss|5341|8|NB, Roosendaal|4701|8|NB, Bergen op Zoom|4611|8|NB, Oosterhout|4901|8|NB,
  Waalwijk|5141|6|NB, Veldhoven|5501|5|NB, Uden|5401|5|NB, Best|5681|3|NB, Boxtel|5281|3|NB, Dongen|5101|2|NB,
  Etten-Leur|4871|4|NB, Valkenswaard|5551|3|NB, Vught|5261|3|NB, Rosmalen|5241|3|NB, Veghel|5461|3|NB,
  Geldrop|5661|3|NB, Mierlo|5731|1|NB, Deurne|5751|3|NB, Cuijk|5431|3|NB, Boxmeer|5831|2|NB, Goirle|5051|2|NB,
  Oisterwijk|5061|2|NB, Drunen|5151|2|NB, Heusden|5256|1|NB, Schijndel|5481|2|NB, Made|4921|1|NB,
  Zevenbergen|4761|1|NB, Steenbergen|4651|1|NB,
  Nijmegen|6511|33|GE, Arnhem|6811|35|GE, Apeldoorn|7311|35|GE, Ede|6711|10|GE, Doetinchem|7001|8|GE,
  Zutphen|7201|5|GE, Harderwijk|3841|5|GE, Tiel|4001|5|GE, Wageningen|6701|5|GE, Barneveld|3771|4|GE,
  Culemborg|4101|3|GE, Zevenaar|6901|3|GE, Winterswijk|7101|3|GE, Elst|6661|2|GE, Wijchen|6601|3|GE,
  Nijkerk|3861|3|GE, Ermelo|3851|2|GE, Putten|3881|2|GE, Epe|8161|2|GE, Duiven|6921|2|GE, Velp|6881|2|GE,
  Groesbeek|6561|2|GE, Druten|6651|1|GE, Zaltbommel|5301|2|GE, Lochem|7241|2|GE, Hattem|8051|1|GE,
  Nunspeet|8071|2|GE, Elburg|8081|1|GE, Aalten|7121|1|GE, Lichtenvoorde|7131|1|GE, Groenlo|7141|1|GE,
  Enschede|7511|35|OV, Zwolle|8011|35|OV, Deventer|7411|20|OV, Almelo|7601|10|OV, Hengelo|7551|10|OV,
  Kampen|8261|5|OV, Oldenzaal|7571|4|OV, Hardenberg|7771|4|OV, Rijssen|7461|3|OV, Nijverdal|7441|3|OV,
  Raalte|8101|2|OV, Haaksbergen|7481|2|OV, Steenwijk|8331|2|OV, Vriezenveen|7671|1|OV, Goor|7471|1|OV,
  Ommen|7731|1|OV, Dalfsen|7721|1|OV, Borne|7621|1|OV, Losser|7581|1|OV, Genemuiden|8281|1|OV,
  Maastricht|6211|20|LI, Venlo|5911|10|LI, Heerlen|6411|10|LI, Sittard|6131|5|LI, Roermond|6041|6|LI,
  Weert|6001|5|LI, Kerkrade|6461|5|LI, Geleen|6161|4|LI, Venray|5801|3|LI, Brunssum|6441|3|LI,
  Landgraaf|6371|3|LI, Valkenburg|6301|2|LI, Tegelen|5931|1|LI, Stein|6171|1|LI, Echt|6101|1|LI,
  Panningen|5981|1|LI, Beek|6191|1|LI, Meerssen|6231|1|LI, Gennep|6591|1|LI, Horst|5961|1|LI,
  Leeuwarden/Ljouwert|8911|16|FR, Drachten|9201|5|FR, Sneek/Snits|8601|4|FR, Heerenveen|8441|5|FR,
  Harlingen|8861|2|FR, Franeker|8801|2|FR, Dokkum|9101|2|FR, Bolsward|8701|1|FR, Joure|8501|2|FR,
  Wolvega|8471|2|FR, Lemmer|8531|1|FR, Burgum|9251|1|FR,
  Groningen|9711|35|GR, Hoogezand|9601|3|GR, Veendam|9641|3|GR, Stadskanaal|9501|3|GR, Delfzijl|9931|3|GR,
  Winschoten|9671|3|GR, Appingedam|9901|1|GR, Leek|9351|1|GR, Haren|9751|1|GR, Zuidhorn|9801|1|GR,
  Assen|9401|8|DR, Emmen|7811|10|DR, Hoogeveen|7901|6|DR, Meppel|7941|4|DR, Coevorden|7741|2|DR, Roden|9301|2|DR,
  Beilen|9411|1|DR, Klazienaveen|7891|1|DR, Zuidlaren|9471|1|DR,
  Almere|1311|30|FL, Lelystad|8211|10|FL, Emmeloord|8301|4|FL, Dronten|8251|3|FL, Zeewolde|3891|2|FL, Urk|8321|2|FL,
  Middelburg|4331|5|ZE, Vlissingen|4381|5|ZE, Goes|4461|4|ZE, Terneuzen|4531|4|ZE, Zierikzee|4301|2|ZE,
  Hulst|4561|2|ZE, Oostburg|4501|1|ZE, Kapelle|4421|1|ZE, Yerseke|4401|1|ZE, Domburg|4357|1|ZE`;

const CITIES: City[] = words(CITY_TABLE).map((entry) => {
  const [names, base, span, province] = entry.split('|');
  const [name, alt] = names!.split('/');
  return {
    name: name!,
    alt,
    postcodeBase: Number(base),
    postcodeSpan: Number(span),
    province: province!,
  };
});
const CITY_CDF = cumulative(CITIES.map((c) => c.postcodeSpan));

const POSTCODE_LETTERS = 'ABCDEGHJKLMNPRSTVWXZ';

const PROVIDERS = words(`gmail.com, hotmail.com, outlook.com, live.nl, ziggo.nl, kpnmail.nl, planet.nl, xs4all.nl,
  yahoo.com, icloud.com, hetnet.nl, home.nl, proton.me, hotmail.nl, casema.nl, chello.nl, upcmail.nl, telfort.nl,
  online.nl, msn.com`);
const PROVIDER_CDF = cumulative([30, 22, 10, 6, 6, 5, 3, 2, 3, 3, 2, 2, 1, 2, 1, 0.5, 0.5, 0.5, 0.5, 0.5]);
const EMPLOYERS = words(`rabobank, ing, abnamro, philips, asml, shell, kpn, ahold, ns, postnl, tudelft, uu, rug,
  gemeente-utrecht, rotterdam, amsterdam, belastingdienst, rijksoverheid, umcutrecht, erasmusmc, heijmans, bam,
  coolblue, bol, randstad, achmea, nn, aegon, unilever, heineken`);

const QWERTY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const NEIGHBOURS: Record<string, string> = {};
for (let row = 0; row < QWERTY_ROWS.length; row++) {
  const keys = QWERTY_ROWS[row]!;
  for (let i = 0; i < keys.length; i++) {
    let near = (keys[i - 1] ?? '') + (keys[i + 1] ?? '');
    const above = QWERTY_ROWS[row - 1];
    const below = QWERTY_ROWS[row + 1];
    if (above) near += (above[i] ?? '') + (above[i + 1] ?? '');
    if (below) near += (below[i - 1] ?? '') + (below[i] ?? '');
    NEIGHBOURS[keys[i]!] = near;
  }
}

const PAD2: string[] = [];
for (let i = 0; i < 100; i++) PAD2.push(i < 10 ? `0${i}` : String(i));

// ---------------------------------------------------------------------------------------------------------------
// Random helpers

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    out[i] = sum;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

function pickIndex(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cdf[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Truncated geometric distribution on 0..max with the given mean: the cumulative probabilities. */
function duplicateCdf(mean: number, max: number): Float64Array {
  if (max === 0 || mean <= 0) return new Float64Array([1]);
  const target = Math.min(mean, max * 0.999);
  const meanOf = (q: number): number => {
    let w = 1;
    let sum = 0;
    let weighted = 0;
    for (let k = 0; k <= max; k++) {
      sum += w;
      weighted += k * w;
      w *= q;
    }
    return weighted / sum;
  };
  let lo = 0;
  let hi = 1;
  while (meanOf(hi) < target) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (meanOf(mid) < target) lo = mid;
    else hi = mid;
  }
  const q = (lo + hi) / 2;
  const weights: number[] = [];
  let w = 1;
  for (let k = 0; k <= max; k++) {
    weights.push(w);
    w *= q;
  }
  return cumulative(weights);
}

// ---------------------------------------------------------------------------------------------------------------
// People

interface Address {
  street: string;
  house: string;
  postcodeDigits: number;
  postcodeLetters: string;
  city: City;
}

interface Person {
  origin: number;
  given: number;
  family: number;
  year: number;
  month: number;
  day: number;
  address: Address;
  /** Local part and domain, or undefined when the person has no email address. */
  email: string | undefined;
  /** The 8 digits after `06`, or undefined when the person has no mobile number. */
  phone: string | undefined;
}

/**
 * A set of 32-bit string hashes (FNV-1a, open addressing): far faster and smaller than a `Set<string>` of millions
 * of addresses. A hash collision only makes an address get a number it did not need.
 */
class StringHashSet {
  private table = new Uint32Array(1 << 16);
  private count = 0;

  /** Adds `s`; false when (its hash) was already there. */
  add(s: string): boolean {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = h >>> 0 || 1; // 0 marks an empty slot
    if (!this.insert(h)) return false;
    if (++this.count * 2 > this.table.length) this.grow();
    return true;
  }

  private insert(h: number): boolean {
    const mask = this.table.length - 1;
    let i = h & mask;
    for (;;) {
      const v = this.table[i]!;
      if (v === 0) {
        this.table[i] = h;
        return true;
      }
      if (v === h) return false;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (const v of old) if (v !== 0) this.insert(v);
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

class PersonFactory {
  private readonly usedEmails = new StringHashSet();
  private phoneSerial = 0;
  private readonly phoneOffset: number;

  constructor(readonly rnd: () => number) {
    this.phoneOffset = Math.floor(rnd() * 50_000_000);
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  origin(): number {
    return pickIndex(ORIGIN_CDF, this.rnd());
  }

  /** Skewed pick within [start, end): the first names of a slice are the most common. */
  skewed(range: readonly [number, number], power: number): number {
    return range[0] + Math.floor((range[1] - range[0]) * this.rnd() ** power);
  }

  givenOf(origin: number): number {
    return this.skewed(GIVEN_RANGE[origin]!, 1.6);
  }

  familyOf(origin: number): number {
    // one in ten people carries a family name of another origin (marriage, adoption, history)
    return this.skewed(FAMILY_RANGE[this.chance(0.1) ? this.origin() : origin]!, 1.5);
  }

  birth(person: { year: number; month: number; day: number }): void {
    const year = 1940 + this.int(66);
    const month = 1 + this.int(12);
    const leap = year % 4 === 0 && month === 2 ? 1 : 0;
    person.year = year;
    person.month = month;
    person.day = 1 + this.int(DAYS_IN_MONTH[month - 1]! + leap);
  }

  address(city?: City): Address {
    const c = city ?? CITIES[pickIndex(CITY_CDF, this.rnd())]!;
    let street: string;
    if (this.chance(0.05)) street = STREETS[ENGLISH_STREET_START + this.int(STREETS.length - ENGLISH_STREET_START)]!;
    else {
      const base = STREET_BASES[Math.floor(DUTCH_STREET_COUNT * this.rnd() ** 1.3)]!;
      street = base + DUTCH_SUFFIXES[pickIndex(DUTCH_SUFFIX_CDF, this.rnd())]!;
    }
    let house = String(1 + Math.floor(this.rnd() ** 2 * 250));
    const r = this.rnd();
    if (r < 0.06) house += 'abcd'[this.int(4)]!;
    else if (r < 0.08) house += `-${1 + this.int(3)}`;
    return {
      street,
      house,
      postcodeDigits: c.postcodeBase + this.int(c.postcodeSpan),
      postcodeLetters: POSTCODE_LETTERS[this.int(20)]! + POSTCODE_LETTERS[this.int(20)]!,
      city: c,
    };
  }

  /** A new, unique mobile number (8 digits after 06). */
  newPhone(): string {
    // an affine map of a serial number is a permutation of 0..49,999,999 (27,644,437 is coprime with 5 * 10^7)
    const n = (this.phoneSerial++ * 27_644_437 + this.phoneOffset) % 50_000_000;
    return String(10_000_000 + n);
  }

  /** A new email address, unique among all addresses given so far. */
  newEmail(given: number, family: number, year: number, kind: 'private' | 'work' = 'private'): string {
    const g = GIVEN_SLUG[given]!;
    const f = FAMILY_SLUG[family]!;
    const core = FAMILY_CORE_SLUG[family]!;
    const i = g[0] ?? 'x';
    let local: string;
    let domain: string;
    if (kind === 'work') {
      local = this.chance(0.6) ? `${g}.${f}` : `${i}.${core}`;
      domain = `${EMPLOYERS[this.int(EMPLOYERS.length)]!}.nl`;
    } else {
      const r = this.rnd();
      const yy = PAD2[year % 100]!;
      if (r < 0.25) local = `${g}.${f}`;
      else if (r < 0.35) local = `${g}${f}`;
      else if (r < 0.45) local = `${i}.${f}`;
      else if (r < 0.52) local = `${i}${core}`;
      else if (r < 0.58) local = `${f}.${g}`;
      else if (r < 0.63) local = `${g}_${f}`;
      else if (r < 0.73) local = `${g}${yy}`;
      else if (r < 0.83) local = `${g}.${f}${yy}`;
      else if (r < 0.9) local = `${g}${1 + this.int(999)}`;
      else local = `${g}.${core}${1940 + ((year - 1940 + 66) % 66)}`;
      if (this.chance(0.05)) {
        domain = `${core}${this.chance(0.5) ? '' : 'family'}.nl`;
        local = g;
      } else domain = PROVIDERS[pickIndex(PROVIDER_CDF, this.rnd())]!;
    }
    return this.claimEmail(local, domain);
  }

  claimEmail(local: string, domain: string): string {
    let email = `${local}@${domain}`;
    while (!this.usedEmails.add(email)) email = `${local}${1 + this.int(9999)}@${domain}`;
    return email;
  }

  person(): Person {
    const origin = this.origin();
    const given = this.givenOf(origin);
    const family = this.familyOf(origin);
    const p: Person = {
      origin,
      given,
      family,
      year: 0,
      month: 0,
      day: 0,
      address: this.address(),
      email: undefined,
      phone: undefined,
    };
    this.birth(p);
    if (this.chance(0.9)) p.email = this.newEmail(given, family, p.year);
    if (this.chance(0.75)) p.phone = this.newPhone();
    return p;
  }

  /** Someone else with the same (common) name, usually in the same city. */
  namesake(of: Person): Person {
    const p: Person = {
      ...of,
      address: this.address(this.chance(0.8) ? of.address.city : undefined),
      email: undefined,
      phone: undefined,
    };
    this.birth(p);
    if (this.chance(0.9)) p.email = this.newEmail(p.given, p.family, p.year);
    if (this.chance(0.75)) p.phone = this.newPhone();
    return p;
  }

  /** A relative at the same address: same family name, another given name, born within a few years. */
  relative(of: Person): Person {
    let given = this.givenOf(of.origin);
    if (given === of.given) given = GIVEN_RANGE[of.origin]![0] + ((given + 1 - GIVEN_RANGE[of.origin]![0]) % 20);
    const p: Person = {
      ...of,
      given,
      address: { ...of.address },
      email: undefined,
      phone: of.phone !== undefined && this.chance(0.25) ? of.phone : undefined,
    };
    do {
      this.birth(p);
      p.year = Math.min(2005, Math.max(1940, of.year - 4 + this.int(9)));
      if (p.month === 2 && p.day > 28) p.day = 28;
    } while (p.year === of.year && p.month === of.month && p.day === of.day);
    if (this.chance(0.9)) {
      // a shared family domain, or an address of their own
      const domain = of.email?.split('@')[1];
      const g = GIVEN_SLUG[given]!;
      p.email = domain?.startsWith(FAMILY_CORE_SLUG[of.family]!)
        ? this.claimEmail(g, domain)
        : this.newEmail(given, p.family, p.year);
    }
    if (p.phone === undefined && this.chance(0.75)) p.phone = this.newPhone();
    return p;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering one record of a person, clean or distorted

const PHONE_FORMATS = 9;
const PHONE_FORMAT_CDF = cumulative([20, 12, 20, 15, 10, 5, 6, 6, 6]);

function formatPhone(d: string, format: number): string {
  switch (format) {
    case 0:
      return `+31 6 ${d}`;
    case 1:
      return `+316${d}`;
    case 2:
      return `06-${d}`;
    case 3:
      return `06${d}`;
    case 4:
      return `06 ${d.slice(0, 4)} ${d.slice(4)}`;
    case 5:
      return `0031 6 ${d}`;
    case 6:
      return `+31 (0)6 ${d}`;
    case 7:
      return `06-${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 6)} ${d.slice(6)}`;
    default:
      return `+31 6 ${d.slice(0, 2)} ${d.slice(2, 5)} ${d.slice(5)}`;
  }
}

function isUpper(c: string): boolean {
  return c !== c.toLowerCase();
}

/** One typing error: insert, delete, substitute with a keyboard neighbour, or transpose. */
function typo(s: string, f: PersonFactory): string {
  const n = s.length;
  if (n < 2) return s;
  const pos = n > 3 ? 1 + f.int(n - 1) : f.int(n); // the first letter is rarely wrong
  const c = s[pos]!;
  const lower = c.toLowerCase();
  const near = NEIGHBOURS[lower];
  const op = f.int(4);
  if (op === 0 || (op === 2 && near === undefined)) {
    // insert: a doubled letter or a neighbour
    const extra = near !== undefined && f.chance(0.5) ? near[f.int(near.length)]! : lower;
    return s.slice(0, pos) + extra + s.slice(pos);
  }
  if (op === 1) return s.slice(0, pos) + s.slice(pos + 1);
  if (op === 2 && near !== undefined) {
    const sub = near[f.int(near.length)]!;
    return s.slice(0, pos) + (isUpper(c) ? sub.toUpperCase() : sub) + s.slice(pos + 1);
  }
  const at = pos < n - 1 ? pos : pos - 1;
  return s.slice(0, at) + s[at + 1]! + s[at]! + s.slice(at + 2);
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

function familyVariant(family: number, f: PersonFactory): string {
  const name = FAMILY[family]!;
  const particle = FAMILY_PARTICLE[family]!;
  if (particle === '') return name;
  const core = FAMILY_CORE[family]!;
  switch (f.int(7)) {
    case 0:
      return capitalize(name); // Van der Berg
    case 1:
      return `${core}, ${particle}`; // Berg, van der
    case 2:
      return `${core} ${particle}`; // Berg van der
    case 3:
      return particle === 'van der' || particle === 'van den' || particle === 'van de'
        ? `v.d. ${core}`
        : `${particle[0]}. ${core}`;
    case 4:
      return capitalize(particle.split(' ').join('') + core.toLowerCase()); // Vanderberg
    case 5:
      return core; // particle dropped
    default:
      return particle === 'van der' ? `vd ${core}` : capitalize(name);
  }
}

function streetVariant(street: string, f: PersonFactory): string {
  if (street.endsWith('straat')) {
    const r = f.int(3);
    return street.slice(0, -6) + (r === 0 ? 'str.' : r === 1 ? 'str' : ' straat');
  }
  if (street.endsWith('laan') && f.chance(0.5)) return `${street.slice(0, -4)}ln`;
  if (street.endsWith('weg') && f.chance(0.5)) return `${street.slice(0, -3)} weg`;
  if (street.endsWith(' Street')) return `${street.slice(0, -7)} St.`;
  if (street.endsWith(' Road')) return `${street.slice(0, -5)} Rd`;
  if (street.startsWith('Burgemeester ')) return `Burg. ${street.slice(13)}`;
  return street.toLowerCase();
}

function houseVariant(house: string, f: PersonFactory): string {
  const last = house[house.length - 1]!;
  if (last >= 'a' && last <= 'd') {
    const num = house.slice(0, -1);
    const r = f.int(4);
    return r === 0 ? `${num} ${last}` : r === 1 ? num + last.toUpperCase() : r === 2 ? `${num}-${last}` : num;
  }
  const dash = house.indexOf('-');
  if (dash > 0) return f.chance(0.5) ? `${house.slice(0, dash)} ${house.slice(dash + 1)}` : house.slice(0, dash);
  return house;
}

function postcodeText(digits: number, letters: string, f: PersonFactory | undefined): string {
  if (f === undefined) return `${digits} ${letters}`;
  const r = f.rnd();
  if (r < 0.55) return `${digits} ${letters}`;
  if (r < 0.85) return `${digits}${letters}`;
  if (r < 0.93) return `${digits} ${letters.toLowerCase()}`;
  return `${digits}${letters.toLowerCase()}`;
}

interface RenderProfile {
  missGiven: number;
  missFamily: number;
  missBirth: number;
  missEmail: number;
  missPhone: number;
  missStreet: number;
  missPostcode: number;
  missCity: number;
  missRegion: number;
  missCountry: number;
}

const PRIMARY: RenderProfile = {
  missGiven: 0.01,
  missFamily: 0.003,
  missBirth: 0.1,
  missEmail: 0.12,
  missPhone: 0.2,
  missStreet: 0.05,
  missPostcode: 0.07,
  missCity: 0.03,
  missRegion: 0.75,
  missCountry: 0.5,
};

const DUPLICATE: RenderProfile = {
  missGiven: 0.04,
  missFamily: 0.015,
  missBirth: 0.3,
  missEmail: 0.3,
  missPhone: 0.4,
  missStreet: 0.12,
  missPostcode: 0.15,
  missCity: 0.08,
  missRegion: 0.85,
  missCountry: 0.6,
};

const NAME_FIELDS = ['givenName', 'familyName', 'fullName', 'street', 'city'] as const;

const COUNTRY_NAMES = ['NL', 'NL', 'NL', 'Nederland', 'Nederland', 'Netherlands', 'The Netherlands', 'nl'];

/** The fields of one record of `p`; `distort` adds the errors and variations of a duplicate. */
function render(p: Person, f: PersonFactory, distort: boolean): IdentityRecordLike['fields'] {
  const profile = distort ? DUPLICATE : PRIMARY;
  const fields: IdentityRecordLike['fields'] = {};

  // names
  let given: string | undefined = GIVEN[p.given]!;
  let family: string | undefined = FAMILY[p.family]!;
  if (distort) {
    const nicks = GIVEN_NICKS[p.given];
    const r = f.rnd();
    if (r < 0.1 && nicks !== undefined) given = nicks[f.int(nicks.length)]!;
    else if (r < 0.16) given = f.chance(0.6) ? `${given[0]}.` : given[0]!;
    else if (r < 0.26) given = typo(given, f);
    if (f.chance(0.5) && given === GIVEN[p.given]) given = GIVEN_FOLDED[p.given]!;
    const s = f.rnd();
    if (s < 0.08) family = typo(family, f);
    else if (s < 0.2 && FAMILY_PARTICLE[p.family] !== '') family = familyVariant(p.family, f);
    if (f.chance(0.5) && family === FAMILY[p.family]) family = FAMILY_FOLDED[p.family]!;
    if (f.chance(0.01)) [given, family] = [family, given];
  }
  if (f.chance(profile.missGiven)) given = undefined;
  if (f.chance(profile.missFamily)) family = undefined;
  if (distort && given !== undefined && family !== undefined && f.chance(0.04)) {
    fields.fullName = f.chance(0.7) ? `${given} ${family}` : `${family}, ${given}`;
  } else {
    if (given !== undefined) fields.givenName = given;
    if (family !== undefined) fields.familyName = family;
  }

  // birth date
  if (!f.chance(profile.missBirth)) {
    let { year, month, day } = p;
    if (distort) {
      const r = f.rnd();
      if (r < 0.015 && day <= 12 && day !== month) [month, day] = [day, month];
      else if (r < 0.03) {
        // one wrong digit: the last digit of the year or of the day
        if (f.chance(0.5)) year = year - (year % 10) + f.int(10);
        else day = Math.min(28, day - (day % 10) + 1 + f.int(9));
      }
    }
    fields.birthDate = `${year}-${PAD2[month]!}-${PAD2[day]!}`;
  }

  // email
  let email = p.email;
  if (email !== undefined && distort) {
    const r = f.rnd();
    if (r < 0.07) {
      const at = email.indexOf('@');
      email = f.claimEmail(email.slice(0, at), PROVIDERS[pickIndex(PROVIDER_CDF, f.rnd())]!);
    } else if (r < 0.12) email = f.newEmail(p.given, p.family, p.year, f.chance(0.5) ? 'work' : 'private');
    else if (r < 0.15) email = email.toUpperCase();
    else if (r < 0.18) email = capitalize(email);
    else if (r < 0.19) email = typo(email, f);
  }
  if (email !== undefined && !f.chance(profile.missEmail)) fields.email = email;

  // phone
  let phone = p.phone;
  if (distort && f.chance(0.04)) phone = f.newPhone();
  if (phone !== undefined && !f.chance(profile.missPhone)) {
    fields.phone = formatPhone(phone, pickIndex(PHONE_FORMAT_CDF, f.rnd()) % PHONE_FORMATS);
  }

  // address
  const a = distort && f.chance(0.08) ? f.address(f.chance(0.4) ? p.address.city : undefined) : p.address;
  if (!f.chance(profile.missStreet)) {
    let street = a.street;
    let house = a.house;
    if (distort) {
      const r = f.rnd();
      if (r < 0.12) street = streetVariant(street, f);
      else if (r < 0.16) street = typo(street, f);
      if (f.chance(0.4)) house = houseVariant(house, f);
    }
    fields.street = street;
    if (!f.chance(0.05)) fields.houseNumber = house;
  }
  if (!f.chance(profile.missPostcode)) {
    let digits = a.postcodeDigits;
    let letters = a.postcodeLetters;
    if (distort && f.chance(0.02)) {
      if (f.chance(0.5)) digits = digits - (digits % 10) + f.int(10);
      else letters = letters[1]! + letters[0]!;
    }
    fields.postcode = postcodeText(digits, letters, distort ? f : undefined);
  }
  if (!f.chance(profile.missCity)) {
    let city = a.city.name;
    if (distort) {
      const r = f.rnd();
      if (r < 0.3 && a.city.alt !== undefined) city = a.city.alt;
      else if (r < 0.34) city = city.toUpperCase();
      else if (r < 0.36) city = typo(city, f);
    }
    fields.city = city;
  }
  if (!f.chance(profile.missRegion)) {
    fields.region = f.chance(0.7) ? PROVINCES[a.city.province]! : a.city.province;
  }
  if (!f.chance(profile.missCountry)) fields.country = COUNTRY_NAMES[f.int(COUNTRY_NAMES.length)]!;

  // a legacy system that stores everything in capitals, or in lower case
  if (distort) {
    const r = f.rnd();
    if (r < 0.03) {
      for (const key of NAME_FIELDS) {
        const v = fields[key];
        if (v) fields[key] = v.toUpperCase();
      }
    } else if (r < 0.06) {
      for (const key of NAME_FIELDS) {
        const v = fields[key];
        if (v) fields[key] = v.toLowerCase();
      }
    }
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------------------------

interface Pending {
  fields: IdentityRecordLike['fields'];
  source: string;
  entity: string;
}

const DEFAULT_SOURCES = ['hubspot', 'salesforce', 'dynamics'] as const;

/**
 * Generates realistic synthetic Dutch/European person records with known duplicates, lazily (a million people take
 * a few seconds and little memory beyond the set of email addresses in use).
 *
 * Each of `entities` people gets one clean-ish record and k extra, distorted ones (k from a truncated geometric
 * distribution, default mean 0.6 and max 5): typos (insert, delete, keyboard-neighbour substitution,
 * transposition), nicknames and initials, dropped or reordered name particles (`Berg, van der`, `v.d. Berg`),
 * swapped given/family names, stripped diacritics, all-capitals systems, a full name instead of its parts, day/month
 * transposed or mistyped birth dates, moved addresses, street abbreviations (`Kerkstr.`), house number and postcode
 * spellings (`12a`/`12 A`, `1234AB`/`1234 ab`), alternative city names (`'s-Gravenhage`), changed email providers,
 * new (work) addresses, mixed phone formats (`+31 6 ...`, `06-...`, `0031 6 ...`) and missing fields (more often on
 * the duplicates). About 2% of the people are namesakes of someone else (same common name, usually the same city)
 * and 1.5% are relatives of someone else (same family name and address, other given name and birth date): hard
 * negatives. Names mix Dutch (with particles), English, German, French, Spanish/Portuguese, Turkish, Moroccan and
 * other origins; postcodes `1234 AB` belong to ~200 Dutch cities; emails and mobile numbers are unique per person.
 *
 * Records get ids `p0, p1, ...` in emission order and sources cycled over `sources` per person. Extra records are
 * held back and emitted later, interleaved with other people's, so the records of one person are rarely adjacent
 * (no shuffle needed). The same options always give the same sequence.
 *
 * @example
 * ```ts
 * for (const { record, entity } of generateIdentities({ entities: 1_000_000, seed: 7 })) index(record);
 * ```
 */
export function* generateIdentities(options: GenerateIdentitiesOptions): Generator<GeneratedIdentity> {
  const { entities, seed = 1, sources = DEFAULT_SOURCES } = options;
  const mean = options.duplicates?.mean ?? 0.6;
  const max = options.duplicates?.max ?? 5;
  if (!Number.isInteger(entities) || entities < 0) throw new RangeError('entities must be a non-negative integer');
  if (!Number.isInteger(max) || max < 0) throw new RangeError('duplicates.max must be a non-negative integer');
  if (!(mean >= 0) || mean > max) throw new RangeError('duplicates.mean must be between 0 and duplicates.max');
  if (sources.length === 0) throw new RangeError('sources must not be empty');
  const rnd = seededRandom(seed);
  const f = new PersonFactory(rnd);
  const dupCdf = duplicateCdf(mean, max);
  // recent people, for namesakes and relatives
  const recent: Person[] = [];
  const RECENT = 4096;
  // held-back duplicates
  const slots: (Pending | undefined)[] = new Array(Math.max(8, Math.min(8192, entities >> 2))).fill(undefined);
  let nextId = 0;
  const emit = (p: Pending): GeneratedIdentity => ({
    record: { id: `p${nextId++}`, source: p.source, fields: p.fields },
    entity: p.entity,
  });

  for (let e = 0; e < entities; e++) {
    let person: Person;
    const r = rnd();
    const other = recent.length > 0 ? recent[Math.floor(rnd() * recent.length)]! : undefined;
    if (other !== undefined && r < 0.02) person = f.namesake(other);
    else if (other !== undefined && r < 0.035) person = f.relative(other);
    else person = f.person();
    if (recent.length < RECENT) recent.push(person);
    else recent[Math.floor(rnd() * RECENT)] = person;

    const entity = `e${e}`;
    yield emit({ fields: render(person, f, false), source: sources[e % sources.length]!, entity });
    const extra = pickIndex(dupCdf, rnd());
    for (let k = 1; k <= extra; k++) {
      const pending: Pending = { fields: render(person, f, true), source: sources[(e + k) % sources.length]!, entity };
      if (rnd() < 0.15) {
        yield emit(pending);
        continue;
      }
      const slot = Math.floor(rnd() * slots.length);
      const held = slots[slot];
      slots[slot] = pending;
      if (held !== undefined) yield emit(held);
    }
  }
  for (const held of slots) if (held !== undefined) yield emit(held);
}

/**
 * All records of {@link generateIdentities} in an array, with the truth (record id -> entity) in a separate map.
 *
 * @example
 * ```ts
 * const { records, entityOf } = syntheticIdentities({ entities: 10_000, seed: 3 }); // ~16,000 records
 * ```
 */
export function syntheticIdentities(options: GenerateIdentitiesOptions): SyntheticIdentities {
  const records: IdentityRecordLike[] = [];
  const entityOf = new Map<string, string>();
  for (const { record, entity } of generateIdentities(options)) {
    records.push(record);
    entityOf.set(record.id, entity);
  }
  return { records, entityOf };
}
