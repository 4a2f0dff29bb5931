/**
 * The common-password data behind lib/passwords/blocklist.ts (checklist #5, ASVS V6.2.4).
 *
 * COMMON_PASSWORDS: entries of 8 characters or more from the most frequent passwords of the
 * public breach corpora (the RockYou-derived "most common" lists, the NCSC top 100k, the
 * HIBP top list): digit runs, keyboard walks, names, words, phrases; lower case, one per
 * whitespace. Shorter ones are refused by length before this list is read.
 * COMMON_BASES and COMMON_SUFFIXES: the usual way people stretch a common word to meet a
 * length rule ("password123!", "Summer2024", "monkeymonkey"); blocklist.ts expands them once,
 * at load, into the same set.
 */

export const COMMON_PASSWORDS = `
12345678 123456789 1234567890 12345678910 1234567891 123456789123 01234567 0123456789 9876543210
87654321 987654321 0987654321 11111111 00000000 22222222 33333333 44444444 55555555 66666666
77777777 88888888 99999999 12121212 13131313 69696969 10203040 11223344 112233445566 12341234
1234512345 123123123 123456123456 123456789a a123456789 123456789q q123456789 123456789987654321
147258369 159753456 123654789 741852963 963852741 789456123 456789123 147852369 159357852 159357456
5201314520 18atcskd2w 3rjs1la7qe 1g2w3e4r q2w3e4r5 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u8i
1q2w3e4r5t6y7u8i9o0p 1qaz2wsx 1qazxsw2 2wsx3edc zaq12wsx zaq1zaq1 zaq12wsxcde3 1qaz2wsx3edc
1qaz2wsx3edc4rfv 1qaz1qaz qazwsxedc qazwsxedcrfv qazwsxedcrfvtgb qazwsxedcrfvtgbyhn q1w2e3r4
q1w2e3r4t5 q1w2e3r4t5y6 q1w2e3r4t5y6u7i8o9p0 qwertyui qwertyuiop qwerty123 qwerty12345 qwerty1234
qwerty123456 qwertyqwerty qwertyuiop123 qwertyuiop123456 qwertyuiop1234567890 1234567890qwertyuiop
qwertyuiopasdfgh qwertyuiopasdfghjkl qwertyuiopasdfghjklzxcvbnm asdfghjkl asdfghjk asdfasdf asdf1234
asdfqwer qwerasdf qwer1234 1234qwer zxcvbnm1 zxcvbnm123 zxcvbnmasdfghjkl 123qweasd 123qwe123
qweasdzxc qweasd123 asdasdasd qweqweqwe zxczxczxc asd123456 qwe123456 1234abcd abcd1234 abcd12345
abc12345 abc123abc 123abc123 abcabc123 a1b2c3d4 a1b2c3d4e5 aa123456 abcdefgh abcdefg1
abcdefghijklmnop abcdefghijklmnopqrstuvwxyz aaaaaaaa zzzzzzzz aaaaaaaaaaaaaaa 111111111111111
000000000000000 123456789012345 1234567890123456 12345678901234567890 password password1 password12
password123 password1234 password12345 password123456789 password! password1! passwordpassword
passw0rd passw0rdpassw0rd p@ssw0rd p@ssw0rd! p@ssword pa55word pa55w0rd pass1234 passpass passwort
passwort1 motdepasse contrasena contraseña senha123 parola123 wachtwoord salasana lozinka123
haslo123 iloveyou iloveyou1 iloveyou2 iloveyou123 iloveyouiloveyou iloveyousomuch iloveyouforever
iloveyoubaby iloveu123 ihateyou ihateyou1 sunshine sunshine1 princess princess1 football football1
baseball baseball1 basketball soccer12 hockey12 welcome1 welcome123 welcome12345678 trustno1
trustnoone superman superman1 batman123 starwars starwars1 whatever computer computer1 internet
michelle jennifer jordan23 michael1 charlie1 shadow12 master12 mustang1 maverick corvette ferrari1
mercedes liverpool chelsea1 arsenal1 manchester barcelona juventus letmein1 letmein123 letmeinnow
letmeinletmein letmeinplease pleaseletmein changeme changeme1 changeme123 changemeplease default1
administrator administrator123 admin123 admin1234 admin12345 adminadmin rootroot root1234 toor1234
guest123 test1234 testing123 testtest monkey123 dragon123 chocolate butterfly sunflower strawberry
pineapple blueberry cookie123 pokemon1 pikachu1 naruto12 minecraft fortnite roblox123 superstar
rockstar angel123 babygirl babygirl1 lovelove loveyou1 lovely12 sweetheart sweetie1 honey123
darling1 forever1 together beautiful brooklyn bubbles1 jessica1 ashley12 nicole12 daniel12 anthony1
matthew1 andrew12 joshua12 christopher elizabeth jonathan victoria samantha alexander alexandra
benjamin patricia stephanie danielle caroline isabella gabriel1 hello123 hello1234 helloworld
hellokitty goodluck blink182 linkinpark metallica slipknot nirvana1 thunder1 lightning midnight
starlight moonlight rainbow1 snowball snowflake summer12 winter12 spring12 autumn12 december
november september october1 security secret123 secretpassword cocacola playboy1 harrypotter hogwarts
gandalf1 skywalker spiderman ironman1 captainamerica avengers iamthebest nothing1 unknown1 freedom1
jesus123 jesuschrist jesusislord jesuslovesme blessed1 godisgood godisgreat chicken1 cheese12
pepper12 ginger12 tigger12 buster12 harley12 yankees1 cowboys1 eagles12 steelers packers1 redskins
lakers24 michaeljordan kobe2424 chucknorris correcthorsebatterystaple
thequickbrownfoxjumpsoverthelazydog youwillneverguess opensesame mypasswordispassword
thisismypassword thisisapassword passwordispassword mysecretpassword supersecretpassword
verysecurepassword securepassword strongpassword mypassword mypassword1 mypassword123
maytheforcebewithyou tobeornottobe hakunamatata supercalifragilisticexpialidocious
onetwothreefourfive ilovemymom ilovemyfamily ilovemydog ilovemycat iloveyoumom qwerty12 qwerty11
1234567a 1234567q 12345qwert 12345qwerty 12qwaszx qwaszx12 1qa2ws3ed 147258369147258369 asdfghjkl123
asdfghjkl1234 zxcvbnm12345 1q2w3e4r5t6y7u 0000000000 1111111111 1212121212 1231231234 7777777777
123698745 987456321 741258963 321654987 qawsedrftg qawsedrftgyh azertyuiop azerty123 azertyuiop123
qwertzuiop qwertz123 ytrewq123 poiuytrewq lkjhgfdsa mnbvcxz123 dragonball dragonfly blackdragon
reddragon shadowhunter darkangel darkness1 nightmare phoenix1 firebird warrior1 knight12 soldier1
sniper12 hunter12 hunter123 hunter2hunter2 killer12 assassin gangster thuglife whatsup1 wassup12
google123 facebook1 instagram youtube1 twitter1 linkedin microsoft windows1 apple123 samsung1
iphone12 android1 nintendo playstation gameover monopoly scrabble chess123 poker123 lucky123
lucky777 money123 moneymoney richrich million1 billion1 diamond1 golden12 silver12 platinum crystal1
emerald1 sapphire mountain1 ocean123 riverside sunset12 sunrise1 skyline1 universe galaxy12 planet12
jupiter1 saturn12 mercury1 marsbars snickers twinkies chocolate1 icecream1 cupcake1 cheesecake
pancakes1 spaghetti pizzapizza hamburger hotdog12 banana12 orange12 apple1234 cherry12 peaches1
mango123 elephant giraffe1 penguin1 dolphin1 kangaroo turtle12 rabbit12 puppy123 kitten12 kittycat
doggy123 mydog123 catsanddogs horse123 tiger123 lion1234 panther1 jaguar12 cheetah1
`;

export const COMMON_BASES = `
password passw0rd p@ssw0rd pa55word passwd pass qwerty qwertz azerty asdf asdfgh zxcv zxcvbnm qwe qaz qazwsx
1q2w3e 1qaz2wsx abc abcd abcdef letmein welcome admin administrator root login master monkey dragon shadow sunshine
princess football baseball soccer hockey iloveyou love loveme lovely hello freedom whatever trustno1 superman batman spiderman
charlie michael jordan jennifer hunter ranger killer secret test testing guest user default changeme summer winter
spring autumn cookie chicken cheese pepper ginger tigger buster harley maggie lucky money angel baby babygirl
flower jesus starwars pokemon naruto minecraft google facebook apple samsung computer internet matrix ninja mustang ferrari
liverpool chelsea arsenal yankees cowboys eagles lakers qwertyuiop asdfghjkl access mylove family friends forever london paris
berlin america canada mexico brazil india china japan
`;

export const COMMON_SUFFIXES: readonly string[] = [
  "", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890",
  "0", "00", "01", "007", "11", "13", "21", "22", "23", "69", "77", "88", "99", "100", "111", "666", "777",
  "!", "!!", "!!!", "1!", "12!", "123!", "1234!", "@123", "#1", "123456!", "321", "4321", "54321",
];
