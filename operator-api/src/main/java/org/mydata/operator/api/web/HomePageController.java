package org.mydata.operator.api.web;

import java.util.List;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.Consents;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.servlet.ModelAndView;

/** The front page of a signed-in citizen: what they have linked and given, and where to go next. */
@Controller
public class HomePageController {
    private final SignedInCitizens citizens;
    private final Consents consents;
    private final CitizenPages pages;

    public HomePageController(SignedInCitizens citizens, Consents consents, CitizenPages pages) {
        this.citizens = citizens;
        this.consents = consents;
        this.pages = pages;
    }

    /** The site's root leads people to their pages (after sign-in the login form lands here too). */
    @GetMapping("/")
    public String root() {
        return "redirect:/app";
    }

    @GetMapping("/app")
    public String home(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        List<Consent> all = consents.list(account);
        model.addAttribute("liveLinks", pages.links(account).stream().filter(r -> r.link().isLive()).count());
        model.addAttribute("active", all.stream().filter(c -> c.status() == ConsentStatus.ACTIVE).count());
        model.addAttribute("paused", all.stream().filter(c -> c.status() == ConsentStatus.PAUSED).count());
        model.addAttribute("withdrawn", all.stream().filter(c -> c.status() == ConsentStatus.WITHDRAWN).count());
        return "app/home";
    }

    /**
     * Any other page under {@code /app} does not exist: a readable 404 page rather than the API's problem
     * document. The style sheets under {@code /app/assets} stay with the static resources.
     */
    @GetMapping("/app/{first:(?!assets$).*}/**")
    public ModelAndView unknown() {
        return CitizenPageAdvice.page(HttpStatus.NOT_FOUND, "problem.notFound", null);
    }
}
