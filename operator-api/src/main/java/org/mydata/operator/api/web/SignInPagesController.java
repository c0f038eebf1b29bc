package org.mydata.operator.api.web;

import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The sign-in and sign-out pages, in the pages' own layout and language. (The pages that ask for a consent's
 * pause, resume or erasure once more after a stale form are the consent pages'.)
 */
@Controller
public class SignInPagesController {
    private final boolean passwordForm;
    private final OperatorProperties.SignIn provider;

    public SignInPagesController(@Value("${operator.embedded.authorization-server:true}") boolean passwordForm,
                                 OperatorProperties properties) {
        this.passwordForm = passwordForm;
        this.provider = properties.pages().signIn();
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
}
