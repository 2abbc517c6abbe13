"""A realistic FAQ about life in the Netherlands in the bot's 8 languages, and a labelled set
of members' questions (written for the tests) with the entry that answers each.

Used by tests/test_faq_matching.py (hit@3 must stay >= 0.8) and bench/faq.py (hit@1, hit@3,
lookup latency). Questions are phrased as members write them: short, informal, sometimes
with the Dutch word for the thing (huisarts, DigiD) inside their own language.
"""

from __future__ import annotations

# key -> (topic, {language: (question, answer)})
ENTRIES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "huisarts": (
        "health",
        {
            "nl": (
                "Hoe vind ik een huisarts?",
                "Zoek een huisarts dicht bij uw huis en bel of ga langs om u in te schrijven.",
            ),
            "en": (
                "How do I find a family doctor (huisarts)?",
                "Look for a GP near your home and call or visit to register as a patient.",
            ),
            "ar": (
                "كيف أجد طبيب العائلة (huisarts)؟",
                "ابحث عن طبيب عام قريب من بيتك واتصل به أو اذهب إليه لتسجيل نفسك.",
            ),
            "fa": (
                "چطور یک پزشک خانواده (huisarts) پیدا کنم؟",
                "یک پزشک عمومی نزدیک خانه‌تان پیدا کنید و برای ثبت‌نام تماس بگیرید.",
            ),
            "ti": ("ሓኪም ስድራቤት (huisarts) ከመይ ይረክብ?", "ኣብ ጥቓ ገዛኻ ዘሎ ሓኪም ድለ፡ ደዊልካ ወይ ከይድካ ተመዝገብ።"),
            "tr": (
                "Aile hekimi (huisarts) nasıl bulurum?",
                "Evinize yakın bir aile hekimi arayın ve kayıt olmak için arayın.",
            ),
            "uk": (
                "Як знайти сімейного лікаря (huisarts)?",
                "Знайдіть сімейного лікаря біля дому та зателефонуйте, щоб записатися.",
            ),
            "so": (
                "Sideen u helaa dhakhtarka qoyska (huisarts)?",
                "Raadi dhakhtar u dhow gurigaaga oo wac si aad isu diiwaangeliso.",
            ),
        },
    ),
    "duo": (
        "language",
        {
            "nl": (
                "Hoe betaal ik mijn inburgeringscursus met een lening van DUO?",
                "Vraag bij DUO een lening aan voor uw inburgering. Als u op tijd slaagt, "
                "hoeft u die vaak niet terug te betalen.",
            ),
            "en": (
                "How do I pay for my integration course with a DUO loan?",
                "Apply for a loan at DUO for your civic integration course. If you pass in "
                "time you often do not have to pay it back.",
            ),
            "ar": (
                "كيف أدفع تكاليف دورة الاندماج بقرض من DUO؟",
                "اطلب قرضاً من DUO لدورة الاندماج. إذا نجحت في الوقت المحدد فغالباً لا تدفعه.",
            ),
            "fa": (
                "هزینه دوره ادغام (inburgering) را چطور با وام DUO بپردازم؟",
                "از DUO برای دوره ادغام وام بگیرید. اگر به موقع قبول شوید معمولاً لازم نیست "
                "آن را پس بدهید.",
            ),
            "ti": (
                "ክፍሊት ትምህርቲ ምውህሃድ (inburgering) ብልቓሕ DUO ከመይ ይኸፍል?",
                "ካብ DUO ልቓሕ ሕተት። ብግዜኡ እንተ ሓሊፍካ መብዛሕትኡ ግዜ ኣይትመልሶን ኢኻ።",
            ),
            "tr": (
                "Uyum kursumu (inburgering) DUO kredisiyle nasıl öderim?",
                "Uyum kursu için DUO'dan kredi isteyin. Zamanında geçerseniz genellikle geri "
                "ödemezsiniz.",
            ),
            "uk": (
                "Як оплатити курс інтеграції (inburgering) позикою від DUO?",
                "Подайте заявку на позику в DUO. Якщо ви вчасно складете іспити, часто її не "
                "треба повертати.",
            ),
            "so": (
                "Sideen ku bixiyaa koorsada isdhexgalka (inburgering) amaahda DUO?",
                "Ka codso amaah DUO. Haddii aad waqtigeeda ku gudubto, badanaa dib uma celiso.",
            ),
        },
    ),
    "brede_intake": (
        "language",
        {
            "nl": (
                "Wat is de Brede Intake bij de gemeente?",
                "Een gesprek met de gemeente over uw taal, werk, gezondheid en wensen. "
                "Daarna maakt u samen uw plan (PIP).",
            ),
            "en": (
                "What is the Brede Intake at the municipality?",
                "A talk with the municipality about your language, work, health and wishes. "
                "Then you make your plan (PIP) together.",
            ),
            "ar": (
                "ما هي المقابلة الشاملة (Brede Intake) في البلدية؟",
                "مقابلة مع البلدية عن لغتك وعملك وصحتك ورغباتك، ثم تضعون خطتك (PIP) معاً.",
            ),
            "fa": (
                "مصاحبه جامع (Brede Intake) در شهرداری چیست؟",
                "گفت‌وگویی با شهرداری درباره زبان، کار، سلامت و خواسته‌های شما. سپس با هم "
                "برنامه (PIP) شما را می‌سازید.",
            ),
            "ti": (
                "Brede Intake ኣብ ምምሕዳር ከተማ እንታይ እዩ?",
                "ምስ ምምሕዳር ከተማ ብዛዕባ ቋንቋኻ፡ ስራሕካ፡ ጥዕናኻ ዝግበር ዘተ። ድሕሪኡ መደብካ (PIP) ትሰርሑ።",
            ),
            "tr": (
                "Belediyedeki Brede Intake görüşmesi nedir?",
                "Belediyeyle diliniz, işiniz, sağlığınız ve istekleriniz hakkında bir görüşme. "
                "Sonra planınızı (PIP) birlikte yaparsınız.",
            ),
            "uk": (
                "Що таке Brede Intake у муніципалітеті?",
                "Розмова з муніципалітетом про вашу мову, роботу, здоровʼя і бажання. Потім "
                "ви разом складаєте план (PIP).",
            ),
            "so": (
                "Waa maxay wareysiga Brede Intake ee dowladda hoose?",
                "Wada hadal aad la yeelanayso dowladda hoose oo ku saabsan luqaddaada, "
                "shaqadaada iyo caafimaadkaaga. Kadib qorshahaaga (PIP) ayaad samaysaan.",
            ),
        },
    ),
    "toeslagen": (
        "money",
        {
            "nl": (
                "Hoe vraag ik zorgtoeslag of huurtoeslag aan?",
                "Vraag toeslagen aan op de website van de Belastingdienst met uw DigiD.",
            ),
            "en": (
                "How do I apply for healthcare or rent benefit (toeslagen)?",
                "Apply for benefits on the website of the Belastingdienst (tax office) with "
                "your DigiD.",
            ),
            "ar": (
                "كيف أطلب إعانة الرعاية الصحية أو إعانة الإيجار (toeslagen)؟",
                "اطلب الإعانات على موقع مصلحة الضرائب (Belastingdienst) باستخدام DigiD.",
            ),
            "fa": (
                "چطور کمک‌هزینه بیمه درمانی یا کمک‌هزینه اجاره (toeslagen) بگیرم؟",
                "کمک‌هزینه‌ها را در سایت اداره مالیات (Belastingdienst) با DigiD درخواست کنید.",
            ),
            "ti": (
                "ሓገዝ ክራይ ገዛ ወይ ሓገዝ መድሕን ጥዕና (toeslagen) ከመይ ይሓትት?",
                "ኣብ መርበብ ሓበሬታ Belastingdienst ብDigiD ሕተት።",
            ),
            "tr": (
                "Sağlık sigortası yardımı veya kira yardımı (toeslagen) için nasıl başvururum?",
                "Belastingdienst (vergi dairesi) sitesinden DigiD ile başvurun.",
            ),
            "uk": (
                "Як отримати допомогу на медичне страхування чи на оренду (toeslagen)?",
                "Подайте заявку на сайті податкової (Belastingdienst) через DigiD.",
            ),
            "so": (
                "Sideen u codsadaa kaalmada kirada ama kaalmada caymiska (toeslagen)?",
                "Ka codso bogga Belastingdienst adigoo isticmaalaya DigiD-gaaga.",
            ),
        },
    ),
    "knm": (
        "language",
        {
            "nl": (
                "Wat is het examen KNM (Kennis van de Nederlandse Maatschappij)?",
                "Een examen over hoe Nederland werkt: werk, zorg, school en wetten. U doet "
                "het als deel van uw inburgering.",
            ),
            "en": (
                "What is the KNM exam (knowledge of Dutch society)?",
                "An exam about how the Netherlands works: work, care, school and laws. It is "
                "part of your civic integration.",
            ),
            "ar": (
                "ما هو امتحان معرفة المجتمع الهولندي (KNM)؟",
                "امتحان عن كيف تعمل هولندا: العمل والرعاية والمدرسة والقوانين. وهو جزء من "
                "الاندماج.",
            ),
            "fa": (
                "امتحان شناخت جامعه هلند (KNM) چیست؟",
                "امتحانی درباره اینکه هلند چطور کار می‌کند: کار، مراقبت، مدرسه و قانون. بخشی "
                "از ادغام شماست.",
            ),
            "ti": (
                "ፈተና ፍልጠት ሕብረተሰብ ሆላንድ (KNM) እንታይ እዩ?",
                "ብዛዕባ ሆላንድ ከመይ ትሰርሕ ዝሓትት ፈተና፡ ስራሕ፡ ክንክን፡ ቤት ትምህርቲ፡ ሕጊ።",
            ),
            "tr": (
                "KNM sınavı (Hollanda toplumu bilgisi) nedir?",
                "Hollanda'nın nasıl işlediği hakkında bir sınav: iş, bakım, okul ve yasalar.",
            ),
            "uk": (
                "Що таке іспит KNM (знання нідерландського суспільства)?",
                "Іспит про те, як працюють Нідерланди: робота, догляд, школа і закони.",
            ),
            "so": (
                "Waa maxay imtixaanka KNM (aqoonta bulshada Nederland)?",
                "Imtixaan ku saabsan sida Nederland u shaqeyso: shaqada, daryeelka, dugsiga "
                "iyo sharciga.",
            ),
        },
    ),
    "housing": (
        "housing",
        {
            "nl": (
                "Hoe kom ik aan een sociale huurwoning?",
                "Schrijf u in bij de woningzoeksite van uw regio (zoals WoningNet) en reageer "
                "op woningen. De wachttijd kan lang zijn.",
            ),
            "en": (
                "How do I get a social rental house?",
                "Register on the housing website of your region (like WoningNet) and react to "
                "homes. The waiting time can be long.",
            ),
            "ar": (
                "كيف أحصل على سكن اجتماعي للإيجار؟",
                "سجّل في موقع البحث عن السكن في منطقتك (مثل WoningNet) وتقدّم على البيوت. "
                "قد يكون الانتظار طويلاً.",
            ),
            "fa": (
                "چطور یک خانه اجاره‌ای اجتماعی بگیرم؟",
                "در سایت خانه‌یابی منطقه‌تان (مثل WoningNet) ثبت‌نام کنید و برای خانه‌ها "
                "درخواست بدهید. انتظار ممکن است طولانی باشد.",
            ),
            "ti": (
                "ናይ ክራይ ገዛ ከመይ ይረክብ?",
                "ኣብ መርበብ ሓበሬታ ገዛ ናይ ዞባኻ (ከም WoningNet) ተመዝገብ፡ ንገዛውቲ ሕተት። ምጽባይ ነዊሕ ክኸውን ይኽእል።",
            ),
            "tr": (
                "Sosyal kiralık konut (ev) nasıl bulurum?",
                "Bölgenizin konut sitesine (WoningNet gibi) kaydolun ve evlere başvurun. "
                "Bekleme süresi uzun olabilir.",
            ),
            "uk": (
                "Як отримати соціальне житло в оренду?",
                "Зареєструйтеся на сайті пошуку житла у вашому регіоні (наприклад WoningNet) "
                "і подавайте заявки на квартири. Чекати можна довго.",
            ),
            "so": (
                "Sideen ku helaa guri kiro bulsho?",
                "Iska diiwaangeli bogga guryaha ee gobolkaaga (sida WoningNet) oo codso "
                "guryaha. Sugitaanku wuu dheeraan karaa.",
            ),
        },
    ),
    "bank": (
        "money",
        {
            "nl": (
                "Hoe open ik een bankrekening?",
                "Maak een afspraak bij een bank met uw verblijfsdocument en BSN. Sommige banken "
                "kan het ook online.",
            ),
            "en": (
                "How do I open a bank account?",
                "Make an appointment at a bank with your residence document and BSN. Some "
                "banks also let you do it online.",
            ),
            "ar": (
                "كيف أفتح حساباً في البنك؟",
                "احجز موعداً في البنك مع وثيقة الإقامة ورقم BSN. بعض البنوك تسمح بذلك عبر الإنترنت.",
            ),
            "fa": (
                "چطور یک حساب بانکی باز کنم؟",
                "با مدرک اقامت و شماره BSN در بانک وقت بگیرید. بعضی بانک‌ها آنلاین هم این کار "
                "را می‌کنند.",
            ),
            "ti": ("ሕሳብ ባንክ ከመይ ይኸፍት?", "ምስ ሰነድ መንበሪኻን BSNን ኣብ ባንክ ቆጸራ ሓዝ።"),
            "tr": (
                "Banka hesabı nasıl açarım?",
                "Oturma belgeniz ve BSN numaranızla bankadan randevu alın. Bazı bankalarda "
                "online da olur.",
            ),
            "uk": (
                "Як відкрити банківський рахунок?",
                "Запишіться в банк із документом про проживання та BSN. Деякі банки "
                "дозволяють зробити це онлайн.",
            ),
            "so": (
                "Sideen u furaa akoon bangi?",
                "Ballan ka qabso bangi adigoo wata dukumeentiga deganaanshaha iyo BSN.",
            ),
        },
    ),
    "digid": (
        "other",
        {
            "nl": (
                "Hoe vraag ik een DigiD aan?",
                "Vraag DigiD aan op digid.nl met uw BSN en adres. U krijgt een brief met een "
                "code thuis.",
            ),
            "en": (
                "How do I get a DigiD (digital ID)?",
                "Apply on digid.nl with your BSN and address. You get a letter with a code at "
                "home.",
            ),
            "ar": (
                "كيف أحصل على الهوية الرقمية DigiD؟",
                "اطلبها على موقع digid.nl برقم BSN وعنوانك. تصلك رسالة فيها رمز إلى البيت.",
            ),
            "fa": (
                "چطور DigiD (شناسه دیجیتال) بگیرم؟",
                "در سایت digid.nl با BSN و آدرس خود درخواست کنید. نامه‌ای با یک کد به خانه می‌آید.",
            ),
            "ti": (
                "DigiD (ዲጂታል መንነት) ከመይ ይረክብ?",
                "ኣብ digid.nl ብBSNን ኣድራሻን ሕተት። ኮድ ዘለዎ ደብዳቤ ናብ ገዛ ይመጸካ።",
            ),
            "tr": (
                "DigiD (dijital kimlik) nasıl alırım?",
                "digid.nl sitesinden BSN ve adresinizle başvurun. Eve kodlu bir mektup gelir.",
            ),
            "uk": (
                "Як отримати DigiD (цифровий ідентифікатор)?",
                "Подайте заявку на digid.nl з BSN та адресою. Вам прийде лист із кодом.",
            ),
            "so": (
                "Sideen ku helaa DigiD (aqoonsiga dhijitaalka)?",
                "Ka codso digid.nl adigoo isticmaalaya BSN iyo cinwaankaaga. Warqad kood leh "
                "ayaa guriga kuugu imaanaysa.",
            ),
        },
    ),
    "zorgverzekering": (
        "health",
        {
            "nl": (
                "Moet ik een zorgverzekering afsluiten?",
                "Ja, iedereen die in Nederland woont of werkt moet een basisverzekering voor "
                "zorg hebben. Kies een verzekeraar binnen vier maanden.",
            ),
            "en": (
                "Do I need health insurance (zorgverzekering)?",
                "Yes, everyone who lives or works in the Netherlands must have basic health "
                "insurance. Choose an insurer within four months.",
            ),
            "ar": (
                "هل يجب أن يكون عندي تأمين صحي (zorgverzekering)؟",
                "نعم، كل من يعيش أو يعمل في هولندا يجب أن يكون عنده تأمين صحي أساسي.",
            ),
            "fa": (
                "آیا باید بیمه درمانی (zorgverzekering) بگیرم؟",
                "بله، هر کس در هلند زندگی یا کار می‌کند باید بیمه درمانی پایه داشته باشد.",
            ),
            "ti": (
                "መድሕን ጥዕና (zorgverzekering) ክገብር ኣለኒ ድዩ?",
                "እወ፡ ኣብ ሆላንድ ዝነብር ወይ ዝሰርሕ ኩሉ መሰረታዊ መድሕን ጥዕና ክህልዎ ኣለዎ።",
            ),
            "tr": (
                "Sağlık sigortası (zorgverzekering) yaptırmam gerekiyor mu?",
                "Evet, Hollanda'da yaşayan veya çalışan herkesin temel sağlık sigortası olmalı.",
            ),
            "uk": (
                "Чи потрібне мені медичне страхування (zorgverzekering)?",
                "Так, кожен, хто живе або працює в Нідерландах, мусить мати базове медичне "
                "страхування.",
            ),
            "so": (
                "Ma waxaan u baahanahay caymis caafimaad (zorgverzekering)?",
                "Haa, qof kasta oo Nederland ku nool ama ka shaqeeya waa inuu haystaa caymis "
                "caafimaad oo aasaasi ah.",
            ),
        },
    ),
    "bsn": (
        "other",
        {
            "nl": (
                "Wat is een BSN (burgerservicenummer) en waar vind ik het?",
                "Uw persoonlijke nummer voor de overheid. Het staat op uw verblijfsdocument en "
                "u krijgt het bij inschrijving in de gemeente.",
            ),
            "en": (
                "What is a BSN (citizen service number) and where do I find it?",
                "Your personal number for the government. It is on your residence document and "
                "you get it when you register at the municipality.",
            ),
            "ar": (
                "ما هو رقم المواطن BSN وأين أجده؟",
                "رقمك الشخصي لدى الحكومة. تجده على وثيقة الإقامة وتحصل عليه عند التسجيل في "
                "البلدية.",
            ),
            "fa": (
                "شماره BSN (شماره خدمات شهروندی) چیست و کجا پیدایش کنم؟",
                "شماره شخصی شما برای دولت. روی مدرک اقامت شما هست.",
            ),
            "ti": (
                "BSN (ቁጽሪ ኣገልግሎት ዜጋ) እንታይ እዩ፡ ኣበይ ይረኽቦ?",
                "ናይ መንግስቲ ውልቃዊ ቁጽርኻ እዩ። ኣብ ሰነድ መንበሪኻ ኣሎ።",
            ),
            "tr": (
                "BSN (vatandaşlık hizmet numarası) nedir, nerede bulurum?",
                "Devlet için kişisel numaranız. Oturma belgenizin üzerinde yazar.",
            ),
            "uk": (
                "Що таке BSN (номер громадянина) і де його знайти?",
                "Ваш особистий номер для держави. Він є на вашому документі про проживання.",
            ),
            "so": (
                "Waa maxay lambarka BSN, halkee ka helaa?",
                "Lambarkaaga gaarka ah ee dowladda. Wuxuu ku qoran yahay dukumeentiga "
                "deganaanshahaaga.",
            ),
        },
    ),
    "school": (
        "education",
        {
            "nl": (
                "Hoe schrijf ik mijn kind in op een school?",
                "Kies een basisschool in de buurt en meld uw kind daar aan. Kinderen van 5 tot "
                "16 jaar moeten naar school.",
            ),
            "en": (
                "How do I register my child at a school?",
                "Choose a primary school nearby and register your child there. Children from "
                "5 to 16 must go to school.",
            ),
            "ar": (
                "كيف أسجّل طفلي في المدرسة؟",
                "اختر مدرسة ابتدائية قريبة وسجّل طفلك فيها. الأطفال من 5 إلى 16 سنة يجب أن "
                "يذهبوا إلى المدرسة.",
            ),
            "fa": (
                "چطور فرزندم را در مدرسه ثبت‌نام کنم؟",
                "یک مدرسه ابتدایی نزدیک انتخاب کنید و فرزندتان را ثبت‌نام کنید. بچه‌های ۵ تا "
                "۱۶ ساله باید به مدرسه بروند.",
            ),
            "ti": (
                "ውላደይ ኣብ ቤት ትምህርቲ ከመይ የእትዎ?",
                "ኣብ ጥቓኻ ዘሎ ቤት ትምህርቲ ምረጽ፡ ውላድካ ኣመዝግብ። ካብ 5 ክሳብ 16 ዓመት ቤት ትምህርቲ ግዴታ እዩ።",
            ),
            "tr": (
                "Çocuğumu okula nasıl kaydettiririm?",
                "Yakındaki bir ilkokulu seçin ve çocuğunuzu oraya kaydettirin. 5-16 yaş "
                "arası çocuklar okula gitmek zorundadır.",
            ),
            "uk": (
                "Як записати дитину до школи?",
                "Оберіть початкову школу поруч і запишіть туди дитину. Діти від 5 до 16 років "
                "мусять ходити до школи.",
            ),
            "so": (
                "Sideen ilmahayga uga diiwaangeliyaa dugsiga?",
                "Dooro dugsi hoose oo kuu dhow oo ilmahaaga halkaas ka diiwaangeli.",
            ),
        },
    ),
    "work": (
        "work",
        {
            "nl": (
                "Hoe vind ik werk in Nederland?",
                "Schrijf u in bij het UWV (werk.nl), vraag uw gemeente om hulp en kijk op "
                "vacaturesites. Vrijwilligerswerk helpt ook.",
            ),
            "en": (
                "How do I find work (a job) in the Netherlands?",
                "Register at UWV (werk.nl), ask your municipality for help and look at job "
                "sites. Volunteer work also helps.",
            ),
            "ar": (
                "كيف أجد عملاً في هولندا؟",
                "سجّل في UWV (werk.nl) واطلب المساعدة من البلدية وابحث في مواقع الوظائف.",
            ),
            "fa": (
                "چطور در هلند کار پیدا کنم؟",
                "در UWV (werk.nl) ثبت‌نام کنید، از شهرداری کمک بخواهید و سایت‌های کاریابی را ببینید.",
            ),
            "ti": ("ኣብ ሆላንድ ስራሕ ከመይ ይረክብ?", "ኣብ UWV (werk.nl) ተመዝገብ፡ ምምሕዳር ከተማ ሓገዝ ሕተት።"),
            "tr": (
                "Hollanda'da nasıl iş bulurum?",
                "UWV'ye (werk.nl) kaydolun, belediyenizden yardım isteyin ve iş sitelerine bakın.",
            ),
            "uk": (
                "Як знайти роботу в Нідерландах?",
                "Зареєструйтеся в UWV (werk.nl), попросіть допомоги в муніципалітеті та "
                "шукайте на сайтах вакансій.",
            ),
            "so": (
                "Sideen shaqo uga helaa Nederland?",
                "Iska diiwaangeli UWV (werk.nl), weydii dowladda hoose caawimaad.",
            ),
        },
    ),
}

# (language, what a member types, the entry that answers it)
LABELLED: list[tuple[str, str, str]] = [
    ("nl", "ik zoek een huisarts, waar moet ik me inschrijven?", "huisarts"),
    ("nl", "Krijg ik geld van DUO voor mijn inburgering?", "duo"),
    ("nl", "Wanneer heb ik de brede intake gesprek met de gemeente?", "brede_intake"),
    ("nl", "Ik wil huurtoeslag aanvragen, hoe doe ik dat", "toeslagen"),
    ("nl", "hoe moet ik een rekening openen bij de bank", "bank"),
    ("nl", "Mijn DigiD werkt niet, hoe vraag ik een nieuwe aan?", "digid"),
    ("nl", "wat leer je voor het KNM examen", "knm"),
    ("en", "where can i register with a doctor", "huisarts"),
    ("en", "how to apply for rent benefit", "toeslagen"),
    ("en", "I need a house, how does social housing work?", "housing"),
    ("en", "Can I open a bank account without a job?", "bank"),
    ("en", "what is this KNM exam about", "knm"),
    ("en", "How can my child go to school?", "school"),
    ("ar", "أين أجد طبيب عام قريب مني؟", "huisarts"),
    ("ar", "هل يمكن أن آخذ قرض من DUO لدورة الاندماج", "duo"),
    ("ar", "ما هو امتحان KNM", "knm"),
    ("ar", "كيف أفتح حساب بنك", "bank"),
    ("ar", "كيف أحصل على DigiD", "digid"),
    ("ar", "أريد أن أسجل ابني في مدرسة", "school"),
    ("fa", "پزشک خانواده (huisarts) از کجا پیدا کنم؟", "huisarts"),
    ("fa", "وام DUO برای دوره ادغام", "duo"),
    ("fa", "کمک‌هزینه اجاره میخواهم", "toeslagen"),
    ("fa", "چطور خانه اجاره‌ای پیدا کنم", "housing"),
    ("fa", "حساب بانکی باز کنم چطور", "bank"),
    ("fa", "بیمه درمانی لازم است؟", "zorgverzekering"),
    ("ti", "huisarts ከመይ ይረክብ", "huisarts"),
    ("ti", "ልቓሕ DUO", "duo"),
    ("ti", "ሕሳብ ባንክ ክኸፍት ደልየ", "bank"),
    ("ti", "DigiD ከመይ ይረክብ", "digid"),
    ("ti", "ኣብ ሆላንድ ስራሕ ደልየ", "work"),
    ("tr", "Ev için aile hekimi arıyorum, huisarts nasıl bulurum", "huisarts"),
    ("tr", "DUO kredisi ile kurs ödemesi", "duo"),
    ("tr", "kira yardımı başvurusu nasıl yapılır", "toeslagen"),
    ("tr", "Brede Intake görüşmesi ne zaman", "brede_intake"),
    ("tr", "çocuğumu okula kaydetmek istiyorum", "school"),
    ("tr", "Hollanda'da iş bulmak", "work"),
    ("uk", "де знайти сімейного лікаря", "huisarts"),
    ("uk", "як отримати допомогу на оренду", "toeslagen"),
    ("uk", "як відкрити рахунок у банку", "bank"),
    ("uk", "потрібен DigiD, як отримати", "digid"),
    ("uk", "Що таке BSN номер", "bsn"),
    ("uk", "як знайти роботу", "work"),
    ("so", "Dhakhtar qoyska sideen ku helaa", "huisarts"),
    ("so", "amaahda DUO ee koorsada", "duo"),
    ("so", "sideen u helaa guri kiro ah", "housing"),
    ("so", "akoon bangi ma furan karaa", "bank"),
    ("so", "lambarka BSN waa maxay", "bsn"),
    ("so", "imtixaanka KNM", "knm"),
]


async def seed_faq(session: object, region_id: int | None, reviewer: int = 1) -> dict[str, int]:
    """Store ENTRIES (every language reviewed) for `region_id`; their ids by key."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.base import utcnow
    from db.models import FaqEntry, FaqText

    assert isinstance(session, AsyncSession)
    ids: dict[str, int] = {}
    for key, (topic, texts) in ENTRIES.items():
        entry = FaqEntry(region_id=region_id, topic=topic, retired=False, created_by=reviewer,
                         created_at=utcnow(), views=0)  # fmt: skip
        session.add(entry)
        await session.flush()
        for language, (question, answer) in texts.items():
            session.add(FaqText(entry_id=entry.id, language=language, question=question,
                                answer=answer, reviewed_by=reviewer, reviewed_at=utcnow(),
                                updated_at=utcnow()))  # fmt: skip
        ids[key] = entry.id
    await session.commit()
    return ids
