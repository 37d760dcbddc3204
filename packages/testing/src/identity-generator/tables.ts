import { cumulative } from './distributions';

// ---------------------------------------------------------------------------------------------------------------
// Pools. Each origin has its own given and family names; people mostly combine names of one origin.

export function words(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const word = part.trim();
    if (word !== '') out.push(word);
  }
  return out;
}

export const DUTCH_ROOTS =
  words(`Berg, Dijk, Heuvel, Broek, Bosch, Brink, Linden, Meer, Veen, Wal, Laan, Horst, Velde, Pol, Hoek,
  Wetering, Zande, Hulst, Beek, Molen, Kamp, Sluis, Steen, Vliet, Donk, Akker, Heijden, Leeuw, Bergh, Burg, Weerd, Haven,
  Water, Kooij, Putten, Ploeg, Ven, Ende, Hout, Leur, Schoot, Wiel, Graaf, Velden, Meulen, Werf, Bilt, Goor, Rijt, Vaart`);
export const DUTCH_PARTICLES = ['van', 'van de', 'van der', 'van den', 'de', 'ter', 'van het', 'te'];

export interface Origin {
  weight: number;
  given: string[];
  family: string[];
}

export const ORIGINS: Origin[] = [
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

export function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Given names, all origins, in one array; each origin is a slice [start, end). */
export const GIVEN: string[] = [];
export const FAMILY: string[] = [];
export const GIVEN_RANGE: [number, number][] = [];
export const FAMILY_RANGE: [number, number][] = [];
for (const origin of ORIGINS) {
  const g = dedupe(origin.given);
  GIVEN_RANGE.push([GIVEN.length, GIVEN.length + g.length]);
  GIVEN.push(...g);
  const f = dedupe(origin.family);
  FAMILY_RANGE.push([FAMILY.length, FAMILY.length + f.length]);
  FAMILY.push(...f);
}
export const ORIGIN_CDF = cumulative(ORIGINS.map((o) => o.weight));

export const COMBINING_MARKS = /[\u0300-\u036f]/g;
export const NON_LETTERS = /[^a-z]/g;
export const SPECIAL_FOLD: Record<string, string> = { ı: 'i', İ: 'I', ł: 'l', Ł: 'L', ß: 'ss', ø: 'o', Ø: 'O' };
export const SPECIAL_FOLD_RE = /[ıİłŁßøØ]/g;

/** ASCII folding (module load and rare fallbacks only). */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_FOLD_RE, (c) => SPECIAL_FOLD[c] ?? c);
}

export function slug(s: string): string {
  return fold(s).toLowerCase().replace(NON_LETTERS, '');
}

export const GIVEN_FOLDED = GIVEN.map(fold);
export const FAMILY_FOLDED = FAMILY.map(fold);
export const GIVEN_SLUG = GIVEN.map(slug);
export const FAMILY_SLUG = FAMILY.map(slug);
/** The family name without its particle(s): `van der Berg` -> `Berg` (equal to the name when there is none). */
export const FAMILY_CORE: string[] = [];
/** The particle(s) of a family name, or ''. */
export const FAMILY_PARTICLE: string[] = [];
export const PARTICLE_WORDS = new Set([
  'van',
  'de',
  'der',
  'den',
  'ter',
  'ten',
  'te',
  'het',
  "'t",
  'op',
  'in',
  'el',
  'le',
]);
for (const name of FAMILY) {
  const parts = name.split(' ');
  let i = 0;
  while (i < parts.length - 1 && PARTICLE_WORDS.has(parts[i]!.toLowerCase())) i++;
  FAMILY_PARTICLE.push(parts.slice(0, i).join(' '));
  FAMILY_CORE.push(parts.slice(i).join(' '));
}
export const FAMILY_CORE_SLUG = FAMILY_CORE.map(slug);

export const NICKNAMES: Record<string, string[]> = {
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
export const GIVEN_NICKS: (string[] | undefined)[] = GIVEN.map((g) => NICKNAMES[g]);

export const STREET_BASES =
  words(`Kerk, Molen, School, Dorps, Stations, Markt, Haven, Brug, Sluis, Veld, Berg, Bos, Beek,
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
export const DUTCH_SUFFIXES = [
  'straat',
  'laan',
  'weg',
  'plein',
  'gracht',
  'kade',
  'singel',
  'dijk',
  'hof',
  'pad',
  'dreef',
];
export const DUTCH_SUFFIX_CDF = cumulative([40, 25, 18, 5, 2, 3, 2, 2, 2, 1, 1]);
export const ENGLISH_BASES =
  words(`Church, Mill, Station, High, Park, King, Queen, Victoria, Green, Bridge, Castle, Manor,
  Orchard, Meadow, Forest, River, Lake, Harbour, Market, Garden, Cedar, Oak, Elm, Maple, Willow, Birch, Chestnut,
  Rose, Spring, Hill, Valley, North, South, West, East, Windsor, Albert, George, Mulberry, Holly`);
export const ENGLISH_SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Drive', 'Way', 'Park'];

/** Streets: Dutch compounds (`Kerkstraat`, `Frans Halslaan`) and a minority of English ones (`Church Lane`). */
export const STREETS: string[] = dedupe([
  ...STREET_BASES.flatMap((base) => DUTCH_SUFFIXES.map((suffix) => base + suffix)),
  ...ENGLISH_BASES.flatMap((base) => ENGLISH_SUFFIXES.map((suffix) => `${base} ${suffix}`)),
]);
export const DUTCH_STREET_COUNT = STREET_BASES.length;
export const ENGLISH_STREET_START = STREETS.length - ENGLISH_BASES.length * ENGLISH_SUFFIXES.length;

export const PROVINCES: Record<string, string> = {
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

export interface City {
  name: string;
  alt: string | undefined;
  postcodeBase: number;
  postcodeSpan: number;
  province: string;
}

// name[/alternative spelling]|first postcode number|numbers in use (also the weight)|province
export const CITY_TABLE = `Amsterdam|1011|90|NH, Haarlem|2011|30|NH, Zaandam|1501|20|NH, Hilversum|1211|13|NH,
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

export const CITIES: City[] = words(CITY_TABLE).map((entry) => {
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
export const CITY_CDF = cumulative(CITIES.map((c) => c.postcodeSpan));

export const POSTCODE_LETTERS = 'ABCDEGHJKLMNPRSTVWXZ';

export const PROVIDERS =
  words(`gmail.com, hotmail.com, outlook.com, live.nl, ziggo.nl, kpnmail.nl, planet.nl, xs4all.nl,
  yahoo.com, icloud.com, hetnet.nl, home.nl, proton.me, hotmail.nl, casema.nl, chello.nl, upcmail.nl, telfort.nl,
  online.nl, msn.com`);
export const PROVIDER_CDF = cumulative([30, 22, 10, 6, 6, 5, 3, 2, 3, 3, 2, 2, 1, 2, 1, 0.5, 0.5, 0.5, 0.5, 0.5]);
export const EMPLOYERS = words(`rabobank, ing, abnamro, philips, asml, shell, kpn, ahold, ns, postnl, tudelft, uu, rug,
  gemeente-utrecht, rotterdam, amsterdam, belastingdienst, rijksoverheid, umcutrecht, erasmusmc, heijmans, bam,
  coolblue, bol, randstad, achmea, nn, aegon, unilever, heineken`);

export const QWERTY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
export const NEIGHBOURS: Record<string, string> = {};
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

export const PAD2: string[] = [];
for (let i = 0; i < 100; i++) PAD2.push(i < 10 ? `0${i}` : String(i));
