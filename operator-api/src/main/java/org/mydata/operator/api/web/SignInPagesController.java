package org.mydata.operator.api.web;

import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.ConsentStatus;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.ErasureRequests;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The sign-in and sign-out pages, in the pages' own layout and language, and the pages that ask for a consent's
 * pause, resume or erasure once more when the form that asked first came after the session had ended ({@link StaleForms}).
 */
@Controller
public class SignInPagesController {
    private final boolean passwordForm;
    private final OperatorProperties.SignIn provider;
    private final SignedInCitizens citizens;
    private final Consents consents;
    private final CitizenPages pages;
    private final ErasureRequests erasureRequests;

    public SignInPagesController(@Value("${operator.embedded.authorization-server:true}") boolean passwordForm,
                                 OperatorProperties properties, SignedInCitizens citizens, Consents consents,
                                 CitizenPages pages, ErasureRequests erasureRequests) {
        this.erasureRequests = erasureRequests;
        this.passwordForm = passwordForm;
        this.provider = properties.pages().signIn();
        this.citizens = citizens;
        this.consents = consents;
        this.pages = pages;
    }

    /** The sign-in page: the password form of the embedded default, the provider's button, or both. */
    @GetMapping("/login")
    public String signIn(Model model) {
        model.addAttribute("passwordForm", passwordForm);
        model.addAttribute("provider", provider.configured());
        model.addAttribute("providerName", provider.providerName());
        model.addAttribute("providerSignIn", CitizenSignInConfig.PROVIDER_SIGN_IN);
        return "signin/login";
    }

    /** Asks before signing out (the header's button signs out at once; this page is for a link or a stale form). */
    @GetMapping("/logout")
    public String signOut(Authentication signedIn) {
        return SignedInCitizens.isSignedIn(signedIn) ? "signin/logout" : "redirect:/login?logout";
    }

    @GetMapping("/app/consents/{id}/pause")
    public String pauseAgain(@PathVariable UUID id, Authentication signedIn, Model model) {
        return again(id, ConsentStatus.ACTIVE, "pause", signedIn, model);
    }

    @GetMapping("/app/consents/{id}/resume")
    public String resumeAgain(@PathVariable UUID id, Authentication signedIn, Model model) {
        return again(id, ConsentStatus.PAUSED, "resume", signedIn, model);
    }

    /** Asking for erasure once more: only of a withdrawn consent, and only while it has not been asked. */
    @GetMapping("/app/consents/{id}/erasure")
    public String erasureAgain(@PathVariable UUID id, Authentication signedIn, Model model) {
        if (erasureRequests.of(citizens.account(signedIn), id).isPresent()) {
            return "redirect:/app/consents/" + id;
        }
        return again(id, ConsentStatus.WITHDRAWN, "erasure", signedIn, model);
    }

    private String again(UUID id, ConsentStatus from, String action, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Consent consent = consents.get(account, id);
        if (consent.status() != from) {
            return "redirect:/app/consents/" + id;
        }
        model.addAttribute("card", pages.card(account, consent));
        model.addAttribute("action", action);
        return "signin/again";
    }
}
